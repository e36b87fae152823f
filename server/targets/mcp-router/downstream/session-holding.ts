import type { Logger } from 'pino';
import type { McpGatewayContext } from '../types.js';
import type { LiveSession, McpRouter } from '../router.js';
import type { SavedSession } from '../router-session.js';
import type { SessionKeeper } from '../session-keeper.js';
import type { KeepAliveTicker } from './keep-alive.js';
import { consentHeardOf } from './consent-notice.js';
import { callerAddress, clientIdentity, type SessionCaps } from './session-caps.js';
import type { McpSessionRecord, SessionStore } from './session-store.js';
import { StreamableSessionTransport } from './session-transport.js';

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
  const stop = await holding.store.watch(id, (signal) => {
    if (signal.type === 'ended') return void holding.router.closeSession(id, 'ended elsewhere');
    if (!(live.transport instanceof StreamableSessionTransport)) return;
    consentHeardOf(live, signal);
    if (signal.type === 'event') live.transport.deliverRemote(signal.stream, signal.event);
    else live.transport.receiveRemote(signal.message);
  });
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
 * This replica's copy of a Streamable HTTP session another replica opened (no sticky load balancing): rebuilt
 * from the store with the client's own initialize, log level and subscriptions, and the upstream sessions it can
 * continue. Undefined when the store has nothing to rebuild it from (the session never finished initializing).
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
  const [state, handles] = await Promise.all([store.clientState(id), store.upstreams(id)]);
  if (!state.initialize) return undefined;
  const saved: SavedSession = { state: { ...state, initialize: state.initialize }, handles };
  // Counted against its client here too; it was admitted where it opened.
  holding.caps.hold(id, clientIdentity(ctx.consumer?.name, callerAddress(ctx.request)));
  const keeper = keeperFor(store, id, router.services.log);
  const session = router.open({ id, config: ctx.mcp!.server, consumer: ctx.consumer, remoteAddress: callerAddress(ctx.request), authorization: ctx.request.headers.authorization, keeper });
  const transport = new StreamableSessionTransport(id, store, holding.keepAlive);
  transport.onclose = () => void router.closeSession(id, 'closed');
  const live: LiveSession = { session, transport, kind: 'streamable-http' };
  router.add(live);
  await session.connect(transport);
  await holdSession(live, holding);
  await session.resume(saved);
  router.services.log.info({ session: id, server: record.server }, 'mcp session rebuilt from the shared store');
  return router.get(id) === live ? live : undefined;
}
