import type { OutgoingHttpHeaders } from 'node:http';
import { setResponseHeaders, type GatewayContext } from '../pipeline/index.js';

/** An answer a filter gives itself. */
export interface FilterReply {
  /** The HTTP status. */
  readonly status: number;
  /** Headers besides content-length and x-request-id, which respond sets. */
  readonly headers: OutgoingHttpHeaders;
  /** The body; empty when absent (and never sent to HEAD). */
  readonly body?: string;
}

/**
 * Ends the exchange from a filter (redirects, direct responses, CORS preflights) and records the status. The two
 * headers of its own are set on `res` rather than merged into a copy of `reply.headers`, so a reply built once per
 * route (a direct response) costs no object per request.
 */
export function respond(ctx: GatewayContext, reply: FilterReply): void {
  const body = reply.body ?? '';
  ctx.outcome.status = reply.status;
  ctx.outcome.bytesOut = Buffer.byteLength(body);
  const res = ctx.http!.res;
  // Off the hot path (redirects, direct responses, preflights): setHeader is simpler than merging into a copy.
  setResponseHeaders(res, ctx.responseHeaders);
  res.setHeader('content-length', ctx.outcome.bytesOut);
  res.setHeader('x-request-id', ctx.requestId);
  res.writeHead(reply.status, reply.headers);
  res.end(ctx.request.method === 'HEAD' ? undefined : body);
}
