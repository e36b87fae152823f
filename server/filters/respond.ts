import type { OutgoingHttpHeaders } from 'node:http';
import type { GatewayContext } from '../pipeline/index.js';

/** Ends the exchange from a filter (redirects, direct responses, CORS preflights) and records the status. */
export function respond(ctx: GatewayContext, status: number, headers: OutgoingHttpHeaders, body = ''): void {
  ctx.outcome.status = status;
  ctx.outcome.bytesOut = Buffer.byteLength(body);
  const res = ctx.http!.res;
  res.writeHead(status, { ...headers, 'content-length': ctx.outcome.bytesOut, 'x-request-id': ctx.requestId });
  res.end(ctx.request.method === 'HEAD' ? undefined : body);
}
