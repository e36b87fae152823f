import type { LiveSession, McpGatewayContext, McpRouter, ResolvedMcpRouterOptions } from '../../targets/mcp-router/index.js';
import type { GatewayError } from '../../errors/index.js';
import type { KeepAliveTicker } from './keep-alive.js';
import type { SessionCaps } from './session-caps.js';
import type { SessionStore } from './session-store.js';

/** What the transport handlers share: the router, the session store and the listener settings. */
export interface McpTransportDeps {
  readonly router: McpRouter;
  readonly store: SessionStore;
  readonly options: ResolvedMcpRouterOptions;
  /** Keep-alive comment frames for every open SSE stream. */
  readonly keepAlive: KeepAliveTicker;
  /** Per-client and total session caps, checked before a session is opened. */
  readonly caps: SessionCaps;
  /**
   * The live session named by the request (header or `sessionId` query), checked against the endpoint and
   * the consumer it is bound to. Fails with 400 when none is named and 404 when it is unknown, expired, ended or
   * another consumer's: the same 404, so nobody learns that someone else's session exists.
   */
  findSession(ctx: McpGatewayContext, kind: LiveSession['kind']): Promise<{ ok: true; live: LiveSession } | { ok: false; error: GatewayError }>;
}
