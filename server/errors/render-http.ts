import type { ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from './gateway-error.js';
import { errors } from './catalogue.js';

/** Coerces anything thrown into a GatewayError (unknown failures become GW_ERR_INTERNAL, detail hidden). */
export function toGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : new GatewayError(errors.GW_ERR_INTERNAL, [], { cause: err });
}

/**
 * Writes `{ error: { code, message, requestId } }` with the catalogue status. If headers already went out
 * (a streamed response failed midway), the socket is destroyed instead: a truncated body must never look complete.
 */
export function renderHttpError(res: ServerResponse, err: GatewayError, requestId: string): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  const body = JSON.stringify({ error: { code: err.code, message: err.message, requestId } });
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  });
  res.end(body);
}
