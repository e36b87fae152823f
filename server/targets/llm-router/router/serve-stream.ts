/** Pumps an upstream SSE body through the parser and the translator chain into the client. */
import { SseParser } from '../../../sse/index.js';
import { streamTruncatedError, type NormalizedError } from '../translate/index.js';
import { ClientStream } from './client-stream.js';
import type { PreparedCall } from './prepare-call.js';
import { buildStreamChain } from './stream-translate.js';
import type { LlmContext } from './types.js';
import { clientGone } from '../../upstream-attempt.js';
import type { UpstreamExchange } from '../../upstream-exchange.js';

/** How a streamed attempt ended. */
export type StreamOutcome =
  | { kind: 'done' }
  /** Failed before anything reached the client: the router may try elsewhere. */
  | { kind: 'retryable'; error: NormalizedError; timedOut: boolean }
  /** Failed after commit: the error event was written and the connection aborted. */
  | { kind: 'cut'; error: NormalizedError }
  | { kind: 'client-gone' };

/** Streams one open upstream response to the client; never throws for upstream trouble. */
export async function serveStream(ctx: LlmContext, call: PreparedCall, upstream: UpstreamExchange): Promise<StreamOutcome> {
  const res = ctx.http!.res;
  const client = new ClientStream(res, ctx.requestId, ctx.startedAt);
  const chain = buildStreamChain(call, ctx.llm, client);
  // A provider that closes right after its last `data:` line still sent that chunk: flush it at the end.
  const parser = new SseParser((e) => chain.push(e), { flushAtEnd: true });
  let upstreamError: unknown;
  try {
    await pump(upstream, client, (chunk) => {
      upstream.firstByte();
      parser.feed(chunk);
    });
    if (!client.finished) {
      parser.end();
      chain.end();
      client.flush();
    }
  } catch (err) {
    upstreamError = err;
  } finally {
    upstream.release();
    // After a clean end the upstream's own end of body usually follows in the next packet; reading it keeps
    // the keep-alive connection for the next call. Anything else (failure, client gone) cuts it.
    if (upstreamError === undefined && !client.failure && !clientGone(res)) upstream.discardRest(BODY_END_GRACE_MS);
    else upstream.abort(new Error('stream abandoned'));
  }
  const result = ctx.llm.result;
  result.usage = chain.usage() ?? undefined;
  result.outputChars = chain.outputChars();
  result.chunks = client.events;
  ctx.outcome.bytesOut = client.bytes;
  result.ttftMs = client.ttftMs;
  if (clientGone(res)) return { kind: 'client-gone' };
  if (upstreamError !== undefined && !client.finished) {
    const detail = upstream.timedOut ? 'first-byte timeout' : (upstreamError as Error).message || 'connection reset';
    chain.abort(streamTruncatedError(detail));
  }
  if (client.preCommitError) return { kind: 'retryable', error: client.preCommitError, timedOut: upstream.timedOut };
  if (!client.finished) {
    // A chain that neither ended nor failed is a bug; never leave the client hanging.
    client.fail(streamTruncatedError('stream ended without a terminal event'), '');
    return { kind: 'cut', error: streamTruncatedError('no terminal event') };
  }
  return client.failure ? { kind: 'cut', error: client.failure } : { kind: 'done' };
}

/**
 * Feeds the body to `onChunk`, synchronously as undici delivers it, until it ends, the client stream finishes,
 * or it fails (rejects). Each upstream chunk's events go out in one write before the next chunk is read, so the
 * first event reaches the client as soon as its bytes arrived. Back-pressure pauses the upstream.
 */
function pump(upstream: UpstreamExchange, client: ClientStream, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    upstream.consume({
      data(chunk) {
        if (settled) return;
        try {
          onChunk(chunk);
          client.flush();
        } catch (err) {
          return settle(err);
        }
        if (client.finished) return settle();
        if (!client.needsDrain) return;
        upstream.pause();
        void client.drain().then(() => {
          if (!settled) upstream.resume();
        });
      },
      end: () => settle(),
      error: settle,
    });
  });
}

/** How long a finished stream's upstream body may take to end before its connection is given up. */
const BODY_END_GRACE_MS = 1_000;
