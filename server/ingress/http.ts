import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, errors, renderHttpError, toGatewayError } from '../errors/index.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { normalizePath } from './normalize-path.js';
import { hasDuplicateHost, resolveClientAddress } from './client-address.js';
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
    const target = framingProblem(req) ?? parseTarget(req.url ?? '/');
    if (!target.ok) {
      res.shouldKeepAlive = false;
      renderHttpError(res, new GatewayError(errors.GW_ERR_BAD_REQUEST, [target.reason]), requestId);
      return;
    }
    const forwarded = resolveClientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], deps.trustedProxies);
    const request = describeRequest(req, target.path, target.query, forwarded);
    const ctx = new ExchangeContext({ kind: 'http', requestId, log: deps.log, request, req, res });
    snapshot.http.handle(ctx).catch((err) => {
      const e = toGatewayError(err);
      if (e.code === 'GW_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e, requestId }, 'unhandled error');
      renderHttpError(res, e, requestId);
    });
  };
}

/**
 * Framing Node lets through but a proxy must not forward (request smuggling): more than one Host (RFC 9112
 * §3.2), and a Transfer-Encoding other than exactly `chunked` (Node answers `xchunked` with 200).
 */
function framingProblem(req: IncomingMessage): { ok: false; reason: string } | undefined {
  if (hasDuplicateHost(req.rawHeaders)) return { ok: false, reason: 'more than one Host header' };
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') return { ok: false, reason: 'unsupported Transfer-Encoding' };
  return undefined;
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
