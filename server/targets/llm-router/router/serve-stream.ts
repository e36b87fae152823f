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
    for await (const chunk of body) {
      open.firstByte();
      parser.feed(chunk as Buffer);
      if (client.finished) break;
      if (client.needsDrain) await client.drain();
    }
    if (!client.finished) {
      parser.end();
      chain.end();
    }
  } catch (err) {
    upstreamError = err;
  } finally {
    open.release();
    // Done early ([DONE] seen, or a failure): nothing more is wanted from the upstream socket.
    if (!body.destroyed) body.destroy();
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
