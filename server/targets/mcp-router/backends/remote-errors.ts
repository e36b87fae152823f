import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';

/**
 * The upstream no longer knows our session: HTTP 404 to a request carrying its session id. The spec says to
 * start a new session with a fresh `initialize`
 * (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management).
 * The SSE transport only reports the status in its message.
 */
export function isSessionGone(err: unknown): boolean {
  if (err instanceof StreamableHTTPError) return err.code === 404;
  return err instanceof Error && /\(HTTP 404\)/.test(err.message);
}

/**
 * The upstream's event stream is gone for good: the legacy SSE stream broke (that transport cannot resume), or
 * the Streamable HTTP transport used up its Last-Event-ID resumption attempts.
 */
export function isStreamLost(err: unknown): boolean {
  if (err instanceof SseError) return true;
  return err instanceof Error && /^Maximum reconnection attempts/.test(err.message);
}

/** Words for a failure: the socket error behind undici's generic "fetch failed" when there is one. */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (err.message === 'fetch failed' && cause) return cause.message ?? cause.code ?? err.message;
  return err.message;
}

/** A failure to reach the upstream at all (no HTTP status): refused, reset, DNS, connect timeout. */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof StreamableHTTPError) return false;
  if (err instanceof SseError) return err.code === undefined || err.code <= 0;
  return err instanceof TypeError || (err instanceof Error && 'cause' in err && err.cause !== undefined);
}

/** The pooled socket was closed under us (undici's "other side closed", a reset): worth one more try. */
export function isStaleSocket(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}
