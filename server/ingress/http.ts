import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, errors, renderHttpError, toGatewayError } from '../errors/index.js';
import { setResponseHeaders } from '../pipeline/index.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { normalizePath } from './normalize-path.js';
import { ExchangeContext, describeRequest } from './exchange-context.js';
import { nextRequestId } from './request-id.js';

/** What the HTTP ingress needs from the gateway. */
export interface HttpIngressDeps {
  /** The snapshot to serve; captured once per request, so a reload never changes a request midway. */
  current(): Snapshot | undefined;
  log: Logger;
  /** Peers whose X-Forwarded-For is believed (load balancers in front of the gateway); none by default. */
  trustedProxies?: BlockList;
}

/** The data-plane request handler: parses the exchange into a GatewayContext, runs the pipeline, renders errors. */
export function createHttpIngress(deps: HttpIngressDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return function handleHttp(req, res) {
    const requestId = nextRequestId();
    const snapshot = deps.current();
    if (!snapshot) {
      renderHttpError(res, new GatewayError(errors.GW_ERR_NO_ROUTE, [req.method, req.url]), requestId);
      return;
    }
    const target = parseTarget(req.url ?? '/');
    if (!target.ok) {
      res.shouldKeepAlive = false;
      renderHttpError(res, new GatewayError(errors.GW_ERR_BAD_REQUEST, [target.reason]), requestId);
      return;
    }
    const request = describeRequest(req, target, deps.trustedProxies);
    const ctx = new ExchangeContext({ kind: 'http', requestId, log: deps.log, request, req, res });
    snapshot.http.handle(ctx).catch((err) => {
      const e = toGatewayError(err);
      if (e.code === 'GW_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e, requestId }, 'unhandled error');
      // The filters' headers (RateLimit-*, CORS) go on a refusal too; the error's own win (the 429's RateLimit-*).
      if (!res.headersSent) setResponseHeaders(res, ctx.responseHeaders);
      renderHttpError(res, e, requestId);
    });
  };
}

function parseTarget(url: string): { ok: true; path: string; query: string } | { ok: false; reason: string } {
  // An absolute-form target (GET http://other/x) never steers the upstream: only its path is used.
  let raw = url;
  if (!raw.startsWith('/')) {
    try {
      const u = new URL(raw);
      raw = u.pathname + u.search;
    } catch {
      return { ok: false, reason: 'request target is not a path' };
    }
  }
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const normalized = normalizePath(path);
  if (!normalized.ok) return normalized;
  return { ok: true, path: normalized.path, query: q === -1 ? '' : raw.slice(q + 1) };
}
