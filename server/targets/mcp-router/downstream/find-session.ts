import { GatewayError, errors } from '../../../errors/index.js';
import type { McpGatewayContext } from '../types.js';
import type { LiveSession, McpRouter } from '../router.js';
import type { SessionStore } from './session-store.js';

/** The session state a lookup consults: the router's live sessions and the store's records. */
export interface SessionLookup {
  readonly router: McpRouter;
  readonly store: SessionStore;
}

/** See `McpTransportDeps.findSession`: the same 404 for unknown, expired and someone else's sessions. */
export async function findSession(
  ctx: McpGatewayContext,
  kind: LiveSession['kind'],
  lookup: SessionLookup,
): Promise<{ ok: true; live: LiveSession } | { ok: false; error: GatewayError }> {
  const id = kind === 'sse' ? new URLSearchParams(ctx.request.query).get('sessionId') : ctx.request.headers['mcp-session-id'];
  if (typeof id !== 'string' || id === '') return { ok: false as const, error: new GatewayError(errors.GW_ERR_MCP_SESSION_REQUIRED) };
  const record = await lookup.store.get(id);
  const live = lookup.router.get(id);
  const owner = ctx.consumer?.name ?? null;
  if (!record || !live || record.server !== ctx.mcp!.server.name || record.consumer !== owner || live.kind !== kind) {
    return { ok: false as const, error: new GatewayError(errors.GW_ERR_MCP_SESSION_NOT_FOUND) };
  }
  return { ok: true as const, live };
}

/** Closes and forgets every session idle for longer than its expiry. */
export async function expireSessions(lookup: SessionLookup): Promise<void> {
  for (const id of await lookup.store.expired(Date.now())) {
    await lookup.router.closeSession(id, 'expired');
    await lookup.store.delete(id);
  }
}
