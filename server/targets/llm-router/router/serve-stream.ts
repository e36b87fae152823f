/** Pumps an upstream SSE body through the parser and the translator chain into the client. */
import { SseParser } from '../sse/index.js';
import { streamTruncatedError, type NormalizedError } from '../translate/index.js';
import { ClientStream } from './client-stream.js';
import type { PreparedCall } from './prepare-call.js';
import { buildStreamChain } from './stream-translate.js';
import type { OpenCall } from './upstream-call.js';
import type { LlmContext } from './types.js';

/** How a streamed attempt ended. */
export type StreamOutcome =
  | { kind: 'done' }
  /** Failed before anything reached the client: the router may try elsewhere. */
  | { kind: 'retryable'; error: NormalizedError; timedOut: boolean }
  /** Failed after commit: the error event was written and the connection aborted. */
  | { kind: 'cut'; error: NormalizedError }
  | { kind: 'client-gone' };

/** Streams one open upstream response to the client; never throws for upstream trouble. */
export async function serveStream(ctx: LlmContext, call: PreparedCall, open: OpenCall): Promise<StreamOutcome> {
  const client = new ClientStream(ctx.http!.res, ctx.requestId, ctx.startedAt);
  const chain = buildStreamChain(call, ctx.llm.protocol, ctx.llm.model, client);
  const parser = new SseParser((e) => chain.push(e));
  const body = open.res.body;
  let upstreamError: unknown;
  try {
    await pump(body, client, (chunk) => {
      open.firstByte();
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
    open.release();
    if (upstreamError === undefined && !client.failure && !ctx.signal.aborted) releaseBody(body);
    else if (!body.destroyed) body.destroy();
  }
  const result = ctx.llm.result;
  result.usage = chain.usage() ?? undefined;
  result.outputChars = chain.outputChars();
  result.chunks = client.events;
  result.ttftMs = client.ttftMs;
  if (ctx.signal.aborted) return { kind: 'client-gone' };
  if (upstreamError !== undefined && !client.finished) {
    const detail = open.timedOut() ? 'first-byte timeout' : (upstreamError as Error).message || 'connection reset';
    chain.abort(streamTruncatedError(detail));
  }
  if (client.preCommitError) return { kind: 'retryable', error: client.preCommitError, timedOut: open.timedOut() };
  if (!client.finished) {
    // A chain that neither ended nor failed is a bug; never leave the client hanging.
    client.fail(streamTruncatedError('stream ended without a terminal event'), '');
    return { kind: 'cut', error: streamTruncatedError('no terminal event') };
  }
  return client.failure ? { kind: 'cut', error: client.failure } : { kind: 'done' };
}

/**
 * Feeds the body to `onChunk` from its `data` events until it ends, the client stream finishes, or it fails
 * (rejects). Events rather than `for await`: an async iterator costs a promise and a microtask hop per chunk,
 * which at thousands of streams is a measurable share of the gateway's CPU. Back-pressure pauses the body.
 */
function pump(body: OpenCall['res']['body'], client: ClientStream, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      // The error listener stays: an abort landing before the caller destroys the body must not go unhandled.
      body.off('data', onData).off('end', onEnd).off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onEnd = () => settle();
    // 'close' before 'end' without an error: the body was torn down under us (as `for await` would report).
    const onClose = () => settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    const onData = (chunk: Buffer) => {
      if (settled) return;
      try {
        onChunk(chunk);
        client.flush();
      } catch (err) {
        return settle(err);
      }
      if (client.finished) return settle();
      if (!client.needsDrain) return;
      body.pause();
      void client.drain().then(() => {
        if (!settled) body.resume();
      });
    };
    body.on('data', onData).once('end', onEnd).once('error', settle).once('close', onClose);
  });
}

/** How long a finished stream's upstream body may take to end before its connection is given up. */
const BODY_END_GRACE_MS = 1_000;

/**
 * After a clean end (`[DONE]`, `message_stop`) the upstream's own end of body usually follows in the next
 * packet; destroying the body before it would cost the keep-alive connection (undici cannot reuse a socket
 * mid-response) and the next call a fresh connect. So read to the end, discarding, within a short grace.
 */
function releaseBody(body: OpenCall['res']['body']): void {
  if (body.destroyed || body.readableEnded) return;
  const timer = setTimeout(() => body.destroy(), BODY_END_GRACE_MS).unref();
  const done = () => clearTimeout(timer);
  body.once('end', done).once('close', done);
  body.resume();
}
