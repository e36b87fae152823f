import { GatewayError, errors } from '../../../errors/index.js';
import type { McpGatewayContext } from '../types.js';
import type { LiveSession } from '../router.js';
import { LegacySseTransport } from './legacy-sse-transport.js';
import { catchUp, rebuildSession, sessionStoreUnavailable, type SessionHolding } from './session-holding.js';
import type { McpSessionRecord } from './session-store.js';

/** What a session id may look like: ours are base64url (Streamable HTTP) or UUIDs (HTTP+SSE); nothing longer reaches the store. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

type Found = { ok: true; live: LiveSession } | { ok: false; error: GatewayError };

/**
 * See `McpTransportDeps.findSession`: the same 404 for unknown, expired and someone else's sessions. A Streamable
 * HTTP session this replica does not hold (another replica opened it) is rebuilt here from the store once its
 * record says it is the caller's.
 */
export async function findSession(ctx: McpGatewayContext, kind: LiveSession['kind'], holding: SessionHolding): Promise<Found> {
  const id = kind === 'sse' ? new URLSearchParams(ctx.request.query).get('sessionId') : ctx.request.headers['mcp-session-id'];
  if (typeof id !== 'string' || id === '') return { ok: false as const, error: new GatewayError(errors.GW_ERR_MCP_SESSION_REQUIRED) };
  const notFound = sessionNotFound();
  if (!SESSION_ID.test(id)) return notFound;
  // With a shared store, a copy this replica holds answers without asking it: the store is not on the hot path,
  // and a store that is down does not stop the sessions held here (docs/deploy.md). An end elsewhere reaches a
  // held copy on the session's channel, or at the latest at the next sweep. (The in-process store is asked: it
  // is what says a session idled out.)
  // A copy being rebuilt is in the router before its members are resumed: requests that arrive meanwhile wait
  // for the rebuild rather than resolve tool names against a half-built session.
  const rebuilding = holding.rebuilding.get(id);
  if (rebuilding) await rebuilding.catch(() => undefined);
  const shared = holding.store.outlivesProcess;
  const held = shared ? holding.router.get(id) : undefined;
  if (held && !isCallers(ctx, kind, held)) return notFound;
  if (held) return kind === 'sse' ? legacyCopy(ctx, held, holding) : found(ctx, held);
  let record: McpSessionRecord | undefined;
  try {
    record = await holding.store.get(id);
  } catch (err) {
    return unavailable(id, err);
  }
  const owner = ctx.consumer?.name ?? null;
  if (!record || record.server !== ctx.mcp!.server.name || record.consumer !== owner || record.transport !== kind) return notFound;
  let live = holding.router.get(id);
  if (!live && kind === 'sse' && shared) return legacyCopy(ctx, record, holding);
  if (!live && kind === 'streamable-http') {
    try {
      live = await rebuildSession(ctx, record, holding);
    } catch (err) {
      return notRebuilt(id, err, holding);
    }
  }
  if (!live || live.kind !== kind) return notFound;
  return found(ctx, live);
}

/**
 * A legacy SSE session's copy here (or its record, to rebuild one from), with a shared store: served while a live
 * replica holds the session's one stream. 2024-11-05 has no resumption: once none does, the session is over, so it
 * is ended here and everywhere (its record deleted, its other copies told) and the client gets the 404 of any
 * session that ended. A copy that missed the client's initialize (another replica answered it) catches up first.
 */
async function legacyCopy(ctx: McpGatewayContext, copyOrRecord: LiveSession | McpSessionRecord, holding: SessionHolding): Promise<Found> {
  let live = 'session' in copyOrRecord ? copyOrRecord : undefined;
  const id = live ? live.session.id : (copyOrRecord as McpSessionRecord).id;
  const holdsStream = live?.transport instanceof LegacySseTransport && live.transport.holdsStream;
  try {
    if (!holdsStream && !(await holding.store.streamsHeld([id]))[0]) {
      if (live) await endStreamless(id, holding);
      else await holding.store.delete(id);
      return sessionNotFound();
    }
  } catch (err) {
    return unavailable(id, err);
  }
  try {
    live ??= await rebuildSession(ctx, copyOrRecord as McpSessionRecord, holding);
    if (live) await catchUp(live, holding);
  } catch (err) {
    // The stream's own copy stays whatever the store says: its client is still connected to it.
    return holdsStream ? unavailable(id, err) : notRebuilt(id, err, holding);
  }
  return live ? found(ctx, live) : sessionNotFound();
}

/** The same 404 for an unknown, expired, ended or another consumer's session: nobody learns which. */
function sessionNotFound(): Found {
  return { ok: false as const, error: new GatewayError(errors.GW_ERR_MCP_SESSION_NOT_FOUND) };
}

function unavailable(id: string, err: unknown): Found {
  return { ok: false as const, error: sessionStoreUnavailable(id, err) };
}

/** A copy that could not be built (or caught up) from the store is dropped here; the session lives on elsewhere. */
async function notRebuilt(id: string, err: unknown, holding: SessionHolding): Promise<Found> {
  holding.router.services.log.warn({ session: id, err }, 'mcp session not rebuilt from the shared store');
  await holding.router.closeSession(id, 'released');
  return unavailable(id, err);
}

/** The caller's session, which takes the request's Authorization (remote token exchange uses the latest). */
function found(ctx: McpGatewayContext, live: LiveSession): Found {
  live.session.noteAuthorization(ctx.request.headers.authorization);
  return { ok: true as const, live };
}

/** Whether a held session is for this endpoint, transport and caller. */
function isCallers(ctx: McpGatewayContext, kind: LiveSession['kind'], live: LiveSession): boolean {
  return live.kind === kind && live.session.config.name === ctx.mcp!.server.name && live.session.consumer?.name === ctx.consumer?.name;
}

/**
 * Closes and forgets every session idle for longer than its expiry (or, in a shared store, ended elsewhere), and
 * the copies of legacy SSE sessions whose stream is gone with its replica (a client that opened a new session
 * never POSTs to the old one again, and the copy would hold its members until the idle timeout).
 */
export async function expireSessions(holding: SessionHolding): Promise<void> {
  for (const id of await holding.store.expired(Date.now())) {
    await holding.router.closeSession(id, 'expired');
    await holding.store.delete(id).catch(() => {});
  }
  const copies = [...holding.held.keys()].filter((id) => {
    const transport = holding.router.get(id)?.transport;
    return transport instanceof LegacySseTransport && !transport.holdsStream;
  });
  if (copies.length === 0) return;
  const held = await holding.store.streamsHeld(copies);
  for (const [i, id] of copies.entries()) if (!held[i]) await endStreamless(id, holding);
}

/** Ends a legacy SSE session whose stream no replica holds: here, and (its record deleted) on every replica. */
async function endStreamless(id: string, holding: SessionHolding): Promise<void> {
  holding.router.services.log.info({ session: id }, 'mcp session ended: no replica holds its SSE stream');
  await holding.router.closeSession(id, 'stream gone');
}
