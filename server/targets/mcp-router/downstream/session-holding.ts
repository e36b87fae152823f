import type { Logger } from 'pino';
import type { McpGatewayContext } from '../types.js';
import type { LiveSession, McpRouter } from '../router.js';
import type { RouterSession, SavedSession } from '../router-session.js';
import { GatewayError, errors } from '../../../errors/index.js';
import type { SessionKeeper } from '../session-keeper.js';
import type { KeepAliveTicker } from './keep-alive.js';
import { consentHeardOf } from './consent-notice.js';
import { callerAddress, clientIdentity, type SessionCaps } from './session-caps.js';
import type { McpSessionRecord, SessionStore } from './session-store.js';
import { StreamableSessionTransport } from './session-transport.js';
import { LegacySseTransport } from './legacy-sse-transport.js';

/** What holding sessions on this replica takes. */
export interface SessionHolding {
  readonly router: McpRouter;
  readonly store: SessionStore;
  readonly caps: SessionCaps;
  readonly keepAlive: KeepAliveTicker;
  /** What to stop when this replica's copy of a session ends (its watch on the store), by session id. */
  readonly held: Map<string, () => void>;
  /** Rebuilds in flight, by session id: concurrent requests for one session share one. */
  readonly rebuilding: Map<string, Promise<LiveSession | undefined>>;
}

/**
 * Stores the record of a session just opened. When the store fails (Redis down, or not connected yet) there is no
 * session: the router session is closed, its cap slot freed, and the refusal (503, retry) thrown.
 */
export async function storeNewSession(holding: SessionHolding, session: RouterSession, record: McpSessionRecord): Promise<void> {
  try {
    await holding.store.create(record);
  } catch (err) {
    await session.close();
    holding.caps.release(record.id);
    throw sessionStoreUnavailable(record.id, err);
  }
}

/** The session store (Redis) failed a command for session `id`: 503 with Retry-After, the client to try again. */
export function sessionStoreUnavailable(id: string, err: unknown): GatewayError {
  return new GatewayError(errors.GW_ERR_MCP_SESSION_STORE_UNAVAILABLE, [id], { cause: err, headers: { 'retry-after': '1' } });
}

/** Writes what the session must keep to the store; a store that is down is logged, never the request's failure. */
export function keeperFor(store: SessionStore, id: string, log: Logger): SessionKeeper {
  const absorb = (what: string) => (err: unknown) => log.warn({ session: id, err: (err as Error).message }, `mcp session ${what} not saved`);
  return {
    client: (state) => store.saveClientState(id, state).catch(absorb('state')),
    upstream: (handle) => store.setUpstream(id, handle).catch(absorb('upstream handle')),
  };
}

/**
 * Starts listening to the session's other holders: the end of the session (a DELETE elsewhere) ends this copy;
 * events they append go to streams this replica holds; client answers they got go to this copy's transport.
 */
export async function holdSession(live: LiveSession, holding: SessionHolding): Promise<void> {
  const id = live.session.id;
  const { transport } = live;
  const stopWatching = await holding.store.watch(id, (signal) => {
    if (signal.type === 'ended') return void holding.router.closeSession(id, 'ended elsewhere');
    if (!(transport instanceof StreamableSessionTransport || transport instanceof LegacySseTransport)) return;
    consentHeardOf(live, signal);
    if (signal.type === 'event') transport.deliverRemote(signal.stream, signal.event);
    else transport.receiveRemote(signal.message);
  });
  // Before the client learns the session's endpoint: a POST reaching another replica must find the stream held.
  const releaseStream = transport instanceof LegacySseTransport && transport.holdsStream ? await holding.store.holdStream(id) : undefined;
  const stop = () => {
    stopWatching();
    releaseStream?.();
  };
  // The session ended while the watch was being set up.
  if (holding.router.get(id) !== live) return stop();
  holding.held.set(id, stop);
}

/** Stops listening for a session this replica no longer holds. */
export function releaseSession(id: string, holding: SessionHolding): void {
  holding.held.get(id)?.();
  holding.held.delete(id);
}

/**
 * This replica's copy of a session another replica opened (no sticky load balancing): rebuilt from the store with
 * the client's own initialize, log level and subscriptions, and the upstream sessions it can continue. Undefined
 * when the store has nothing to rebuild a Streamable HTTP session from (it never finished initializing); a legacy
 * SSE session's copy starts blank then, as its initialize may be the very POST that reached this replica.
 */
export function rebuildSession(ctx: McpGatewayContext, record: McpSessionRecord, holding: SessionHolding): Promise<LiveSession | undefined> {
  let rebuild = holding.rebuilding.get(record.id);
  if (!rebuild) {
    rebuild = build(ctx, record, holding).finally(() => holding.rebuilding.delete(record.id));
    holding.rebuilding.set(record.id, rebuild);
  }
  return rebuild;
}

async function build(ctx: McpGatewayContext, record: McpSessionRecord, holding: SessionHolding): Promise<LiveSession | undefined> {
  const { router, store } = holding;
  const id = record.id;
  const saved = await savedSession(store, id);
  if (!saved && record.transport === 'streamable-http') return undefined;
  // Counted against its client here too; it was admitted where it opened.
  holding.caps.hold(id, clientIdentity(ctx.consumer?.name, callerAddress(ctx.request)));
  const keeper = keeperFor(store, id, router.services.log);
  const session = router.open({ id, config: ctx.mcp!.server, consumer: ctx.consumer, remoteAddress: callerAddress(ctx.request), authorization: ctx.request.headers.authorization, keeper });
  const transport = record.transport === 'sse' ? new LegacySseTransport(id, store) : new StreamableSessionTransport(id, store, holding.keepAlive);
  transport.onclose = () => void router.closeSession(id, 'closed');
  const live: LiveSession = { session, transport, kind: record.transport };
  router.add(live);
  await session.connect(transport);
  await holdSession(live, holding);
  if (saved) await session.resume(saved);
  router.services.log.info({ session: id, server: record.server }, 'mcp session rebuilt from the shared store');
  return router.get(id) === live ? live : undefined;
}

/**
 * A legacy SSE session's copy here that has not seen the client's initialize (another replica answered it: the
 * stream's holder, or a copy that started blank) takes it, and what else the client set up, from the store.
 */
export async function catchUp(live: LiveSession, holding: SessionHolding): Promise<void> {
  const id = live.session.id;
  if (!live.session.blank) return;
  let caught = holding.rebuilding.get(id);
  if (!caught) {
    caught = resumeBlank(live, holding).finally(() => holding.rebuilding.delete(id));
    holding.rebuilding.set(id, caught);
  }
  await caught;
}

async function resumeBlank(live: LiveSession, holding: SessionHolding): Promise<LiveSession> {
  const saved = await savedSession(holding.store, live.session.id);
  if (saved && live.session.blank) await live.session.resume(saved);
  return live;
}

/** What the store saved of the session; undefined until the client's initialize was answered somewhere. */
async function savedSession(store: SessionStore, id: string): Promise<SavedSession | undefined> {
  const [state, handles] = await Promise.all([store.clientState(id), store.upstreams(id)]);
  return state.initialize ? { state: { ...state, initialize: state.initialize }, handles } : undefined;
}
