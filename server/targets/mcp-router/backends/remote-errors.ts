import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { ErrorCode, type JSONRPCResponse, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';

/**
 * The upstream answered with an HTTP error status, or with something that is not MCP (a web page, bad JSON). The
 * message (which reaches the client) names the server and the status only; what the upstream said, which may hold
 * stack traces and file paths, is kept apart in `detail` for the gateway log.
 */
export class UpstreamHttpError extends Error {
  /** The HTTP status of the answer (0 when its head could not be read). */
  readonly status: number;
  /** The session id the request carried, if any. */
  readonly sessionId: string | undefined;
  /** The start of the answer's body or the parser's complaint: for the log, never for the client. */
  readonly detail?: string;

  constructor(message: string, answer: UpstreamAnswer) {
    super(message);
    this.name = 'UpstreamHttpError';
    this.status = answer.status;
    this.sessionId = answer.sessionId;
    this.detail = answer.detail;
  }
}

/** What an UpstreamHttpError records of the failed answer besides its message. */
export interface UpstreamAnswer {
  /** The HTTP status of the answer (0 when its head could not be read). */
  readonly status: number;
  /** The session id the request carried, if any. */
  readonly sessionId: string | undefined;
  /** The start of the answer's body or the parser's complaint: for the log, never for the client. */
  readonly detail?: string;
}

/**
 * undici's codes for an answer it could not parse (a header over its size limit, a malformed head): that request
 * failed, the connection is dropped, but the server is up and the next request may well work.
 */
const BAD_ANSWER = new Set(['UND_ERR_HEADERS_OVERFLOW', 'HPE_HEADER_OVERFLOW', 'UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE', 'HPE_INVALID_HEADER_TOKEN', 'HPE_INVALID_CONSTANT']);

/** The answer's head could not be read (see BAD_ANSWER): the error for that one request, or undefined. */
export function badAnswer(err: unknown, server: string, sessionId: string | undefined): UpstreamHttpError | undefined {
  const code = networkCode(err);
  if (code === undefined || !BAD_ANSWER.has(code)) return undefined;
  const what = code.includes('HEADER') && code.includes('OVERFLOW') ? 'headers larger than the gateway reads' : 'a malformed HTTP head';
  return new UpstreamHttpError(`MCP server "${server}" answered with ${what}`, { status: 0, sessionId, detail: describeFailure(err) });
}

/** A broken event stream could not be resumed within the configured attempts. */
export class StreamLostError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StreamLostError';
  }
}

/**
 * The upstream sent a message (a JSON answer, or one event of a stream) larger than the server's `maxMessageBytes`:
 * it was not read further. `requestId` is the request it was on, which fails; none for the standalone stream.
 */
export class MessageTooLargeError extends Error {
  constructor(
    server: string,
    /** The limit, bytes. */
    readonly limit: number,
    /** The request (as sent upstream) whose answer or stream it was. */
    readonly requestId: RequestId | undefined,
  ) {
    super(`MCP server "${server}" sent a message larger than ${limit} bytes (maxMessageBytes)`);
    this.name = 'MessageTooLargeError';
  }
}

/**
 * The upstream no longer knows our session: HTTP 404 to a request carrying its session id. The spec says to
 * start a new session with a fresh `initialize`
 * (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management).
 * The SSE transport only reports the status in its message.
 */
export function isSessionGone(err: unknown): boolean {
  if (err instanceof UpstreamHttpError) return err.status === 404 && err.sessionId !== undefined;
  return err instanceof Error && /\(HTTP 404\)/.test(err.message);
}

/** The upstream refused our credential: HTTP 401 (the SSE transport only reports the status in its message). */
export function isUnauthorized(err: unknown): boolean {
  if (err instanceof UpstreamHttpError) return err.status === 401;
  if (err instanceof SseError) return err.code === 401;
  return err instanceof Error && /\(HTTP 401\)/.test(err.message);
}

/**
 * The upstream's event stream is gone for good: the legacy SSE stream broke (that transport cannot resume), or
 * a Streamable HTTP stream used up its Last-Event-ID resumption attempts.
 */
export function isStreamLost(err: unknown): boolean {
  return err instanceof SseError || err instanceof StreamLostError;
}

/** Words for a failure: the socket error behind undici's generic "fetch failed" when there is one. */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (err.message === 'fetch failed' && cause) return cause.message || cause.code || err.message;
  // A refused dual-stack connect is an AggregateError with an empty message and the code alone.
  return err.message || networkCode(err) || err.name;
}

/**
 * A failure to reach the upstream at all (no HTTP status): refused, reset, DNS, connect or headers timeout. Our
 * transport rejects with undici's or the socket's own error (it has a `code`); the SDK's SSE transport with
 * fetch's TypeError (the socket error as `cause`) or an SseError without a status.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof UpstreamHttpError || err instanceof StreamLostError || err instanceof MessageTooLargeError) return false;
  if (err instanceof SseError) return err.code === undefined || err.code <= 0;
  const code = networkCode(err);
  return err instanceof TypeError || (code !== undefined && !NOT_NETWORK.has(code));
}

/** Codes that undici gives to failures of our own making (an aborted request, a bad argument), not the network's. */
const NOT_NETWORK = new Set(['UND_ERR_ABORTED', 'UND_ERR_INVALID_ARG', 'ABORT_ERR']);

/** The pooled socket was closed under us (undici's "other side closed", a reset): worth one more try. */
export function isStaleSocket(err: unknown): boolean {
  const code = networkCode(err);
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

/** The code of a socket or undici error, on the error itself or (behind fetch) on its cause. */
function networkCode(err: unknown): string | undefined {
  const own = (err as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/** An upstream's error body as one short line for the log (its `detail`). */
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** The answer to request `id` of MCP server `server` whose event stream ended without one. */
export function unansweredError(server: string, id: RequestId): JSONRPCResponse {
  const failed = new GatewayError(errors.GW_ERR_MCP_BACKEND_FAILED, [server]);
  const message = `${failed.message}: its event stream ended without an answer`;
  return { jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message, data: { code: failed.code } } };
}
