import type { ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from './gateway-error.js';
import { errors } from './catalogue.js';

/** Coerces anything thrown into a GatewayError (unknown failures become GW_ERR_INTERNAL, detail hidden). */
export function toGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : new GatewayError(errors.GW_ERR_INTERNAL, [], { cause: err });
}

/** What one JSON error answer says, beyond the error itself. */
export interface JsonErrorReply {
  /** The HTTP status (the catalogue's, or the one the client's protocol expects for it). */
  readonly status: number;
  /** The body, serialised as JSON. */
  readonly body: unknown;
  /** Echoed as x-request-id. */
  readonly requestId: string;
}

/**
 * Writes one JSON error answer: the status, the error's own headers (Retry-After, WWW-Authenticate), the
 * request id and the catalogue code. If headers already went out (a streamed response failed midway), the socket
 * is destroyed instead: a truncated body must never look complete. Every protocol's renderer ends here.
 */
export function writeJsonError(res: ServerResponse, err: GatewayError, reply: JsonErrorReply): void {
  const { status, body, requestId } = reply;
  if (res.headersSent) {
    if (!res.destroyed) res.destroy(err);
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId,
    'x-agate-error': err.code,
  });
  res.end(text);
}

/** Renders `{ error: { code, message, requestId } }` with the catalogue status (plain HTTP and the admin edge). */
export function renderHttpError(res: ServerResponse, err: GatewayError, requestId: string): void {
  writeJsonError(res, err, { status: err.status, body: { error: { code: err.code, message: err.message, requestId } }, requestId });
}
