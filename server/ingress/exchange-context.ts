import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { resolveClientAddress } from './client-address.js';
import type { AuthRefusal, ConsumerIdentity, GatewayContext, Outcome, RequestInfo, RequestKind, RouteRef } from '../pipeline/index.js';

/** What an ingress adapter knows when it creates the context of one exchange. */
export interface ExchangeInit {
  readonly kind: RequestKind;
  readonly requestId: string;
  readonly log: Logger;
  readonly request: RequestInfo;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** When the request arrived, if earlier than now (the LLM ingress reads the body first). */
  readonly startedAt?: bigint;
}

/**
 * The context of one HTTP exchange, whatever protocol it carries (proxying, LLM, MCP). Its abort signal is made
 * on first use: an AbortController plus its signal cost microseconds per request, and the proxy target never
 * needs one (it aborts its undici request itself when the response closes early). Whoever reads `signal` gets
 * the contract of GatewayContext: aborted once the client went away before its response was complete.
 */
export class ExchangeContext implements GatewayContext {
  readonly kind: RequestKind;
  readonly requestId: string;
  readonly log: Logger;
  readonly request: RequestInfo;
  readonly startedAt: bigint;
  readonly http: { readonly req: IncomingMessage; readonly res: ServerResponse };
  route?: RouteRef;
  consumer?: ConsumerIdentity;
  authRefusal?: AuthRefusal;
  responseHeaders?: Record<string, string>;
  outcome: Outcome = {};
  private abort?: AbortController;

  constructor(init: ExchangeInit) {
    this.kind = init.kind;
    this.requestId = init.requestId;
    this.log = init.log;
    this.request = init.request;
    this.startedAt = init.startedAt ?? process.hrtime.bigint();
    this.http = { req: init.req, res: init.res };
  }

  /** Aborted when the client goes away before its response is complete. */
  get signal(): AbortSignal {
    if (!this.abort) {
      const abort = (this.abort = new AbortController());
      const res = this.http.res;
      if (res.closed) {
        if (!res.writableFinished) abort.abort();
      } else {
        res.once('close', () => {
          if (!res.writableFinished) abort.abort();
        });
      }
    }
    return this.abort.signal;
  }
}

/** Where a request goes: its already normalised path and its raw query string (no leading `?`). */
export interface RequestTarget {
  readonly path: string;
  readonly query: string;
}

/**
 * The RequestInfo of `req` for its parsed `target` (the HTTP ingress passes the object it parsed, no copy). The
 * client address is resolved here, through `trustedProxies`, so every ingress (HTTP, MCP, LLM) sees the same caller.
 */
export function describeRequest(req: IncomingMessage, target: RequestTarget, trustedProxies?: BlockList): RequestInfo {
  const { path, query } = target;
  const client = resolveClientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], trustedProxies);
  return {
    method: req.method ?? 'GET',
    path,
    query,
    host: req.headers.host ?? '',
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? '',
    protocol: 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
    clientIp: client?.clientIp,
    forwardedFor: client?.forwardedFor,
  };
}
