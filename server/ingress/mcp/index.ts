import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, errors, toGatewayError } from '../../errors/index.js';
import type { Snapshot } from '../../snapshot/snapshot.js';
import type { LiveSession, McpGatewayContext, McpRouter } from '../../targets/mcp-router/index.js';
import { normalizePath } from '../normalize-path.js';
import { ExchangeContext, describeRequest } from '../exchange-context.js';
import { nextRequestId } from '../request-id.js';
import { KeepAliveTicker } from './keep-alive.js';
import { serveLegacyMessage, serveLegacySse } from './legacy-sse.js';
import { renderMcpError } from './respond.js';
import { SessionCaps } from './session-caps.js';
import { InMemorySessionStore, type SessionStore } from './session-store.js';
import { serveStreamableHttp } from './streamable-http.js';
import type { McpTransportDeps } from './transport-deps.js';

export { InMemorySessionStore, type SessionStore, type McpSessionRecord, type UpstreamHandle } from './session-store.js';

/** What the MCP ingress needs from the gateway. */
export interface McpIngressDeps {
  /** The snapshot to serve, captured once per request. */
  current(): Snapshot | undefined;
  readonly router: McpRouter;
  /** Session state; in process unless a shared store is given. */
  readonly store?: SessionStore;
  readonly log: Logger;
  /** Peers whose X-Forwarded-For names the caller (tools such as maps_ip_location see that address). */
  readonly trustedProxies?: BlockList;
}

/** The MCP ingress: the `/mcp/` request handler, the transport handler the router target runs, and shutdown. */
export interface McpIngress {
  handle(req: IncomingMessage, res: ServerResponse): void;
  serve(ctx: McpGatewayContext): Promise<void>;
  close(): Promise<void>;
}

/** Builds the MCP ingress adapter (context → the `mcp` chain → Streamable HTTP or HTTP+SSE handling). */
export function createMcpIngress(deps: McpIngressDeps): McpIngress {
  const options = deps.router.options;
  const { idleTimeoutMs, anonymousIdleTimeoutMs, eventBufferSize } = options;
  const store = deps.store ?? new InMemorySessionStore({ idleTimeoutMs, anonymousIdleTimeoutMs, eventBufferSize });
  const caps = new SessionCaps({ perClient: options.maxSessionsPerClient, total: options.maxSessions });
  deps.router.onSessionClosed = (id) => {
    caps.release(id);
    void store.delete(id);
  };
  const keepAlive = new KeepAliveTicker(options.keepAliveMs);
  const transportDeps: McpTransportDeps = { router: deps.router, store, options, keepAlive, caps, findSession: (ctx, kind) => findSession(ctx, kind, deps.router, store) };
  const sweep = setInterval(() => void expire(store, deps.router), Math.max(50, Math.min(anonymousIdleTimeoutMs / 2, 30_000)));
  sweep.unref();
  const turns = deps.router.services.turns;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (res.destroyed) return; // its client left while it waited for a turn
    const requestId = nextRequestId();
    const snapshot = deps.current();
    // Origin and Host are checked inside the chain (the mcp-origin filter), so their refusals are logged and counted.
    if (!snapshot) return renderMcpError(res, new GatewayError(errors.GW_ERR_MCP_SERVER_NOT_FOUND, [req.url]), requestId);
    deps.router.apply(snapshot.mcp);
    const ctx = contextFor(req, res, requestId, deps);
    if (!ctx) return renderMcpError(res, new GatewayError(errors.GW_ERR_BAD_REQUEST, ['invalid request target']), requestId);
    snapshot.mcp.handle(ctx).catch((err) => {
      const e = toGatewayError(err);
      if (e.code === 'GW_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e, requestId }, 'unhandled MCP error');
      renderMcpError(res, e, requestId);
    });
  };
  return {
    handle(req, res) {
      turns.run(() => handle(req, res));
    },
    async serve(ctx) {
      const endpoint = ctx.mcp!.endpoint;
      if (endpoint === 'sse') await serveLegacySse(ctx, transportDeps);
      else if (endpoint === 'messages') await serveLegacyMessage(ctx, transportDeps);
      else await serveStreamableHttp(ctx, transportDeps);
      ctx.outcome.status ??= ctx.http!.res.statusCode;
    },
    async close() {
      clearInterval(sweep);
      await deps.router.close();
      keepAlive.close();
    },
  };
}

async function findSession(ctx: McpGatewayContext, kind: LiveSession['kind'], router: McpRouter, store: SessionStore) {
  const id = kind === 'sse' ? new URLSearchParams(ctx.request.query).get('sessionId') : ctx.request.headers['mcp-session-id'];
  if (typeof id !== 'string' || id === '') return { ok: false as const, error: new GatewayError(errors.GW_ERR_MCP_SESSION_REQUIRED) };
  const record = await store.get(id);
  const live = router.get(id);
  const owner = ctx.consumer?.name ?? null;
  if (!record || !live || record.server !== ctx.mcp!.server.name || record.consumer !== owner || live.kind !== kind) {
    return { ok: false as const, error: new GatewayError(errors.GW_ERR_MCP_SESSION_NOT_FOUND) };
  }
  return { ok: true as const, live };
}

async function expire(store: SessionStore, router: McpRouter): Promise<void> {
  for (const id of await store.expired(Date.now())) {
    await router.closeSession(id, 'expired');
    await store.delete(id);
  }
}

function contextFor(req: IncomingMessage, res: ServerResponse, requestId: string, deps: McpIngressDeps): McpGatewayContext | undefined {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = normalizePath(q === -1 ? raw : raw.slice(0, q));
  if (!path.ok) return undefined;
  const request = describeRequest(req, path.path, q === -1 ? '' : raw.slice(q + 1), deps.trustedProxies);
  return new ExchangeContext({ kind: 'mcp', requestId, log: deps.log, request, req, res });
}
