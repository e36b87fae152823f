import { randomUUID } from 'node:crypto';
import type { RouteTarget } from '../../pipeline/index.js';
import type { McpRouter } from './router.js';
import { expireSessions, findSession } from './downstream/find-session.js';
import { releaseSession, type SessionHolding } from './downstream/session-holding.js';
import { KeepAliveTicker } from './downstream/keep-alive.js';
import { tellConsent } from './downstream/consent-notice.js';
import { serveLegacyMessage, serveLegacySse } from './downstream/legacy-sse.js';
import { SessionCaps } from './downstream/session-caps.js';
import { InMemorySessionStore, type SessionStore } from './downstream/session-store.js';
import { serveStreamableHttp } from './downstream/streamable-http.js';
import { StatelessSessionPool } from './downstream/stateless-pool.js';
import { ListenRegistry } from './downstream/listen-registry.js';
import { PendingInputs } from './downstream/pending-inputs.js';
import type { ExchangeRelay } from './downstream/exchange-relay.js';
import { continueHere } from './downstream/stateless-exchange.js';
import { RequestStates } from './downstream/request-state.js';
import type { SealingBox } from './downstream/session-seal.js';
import type { HeldCall } from './downstream/stateless-call.js';
import type { McpExchangeContext, McpTransportDeps } from './downstream/transport-deps.js';

/** Finished 2026-07-28 sessions kept for their identity's next request: 30 s, 4 per identity, 256 in all. */
const STATELESS_POOL = Object.freeze({ idleMs: 30_000, perKey: 4, total: 256 });

/** What the MCP router target is built with. */
export interface McpRouterTargetOptions {
  /** The long-lived router: backends and live sessions. */
  readonly router: McpRouter;
  /** Session state; in process unless a shared store is given (built from the router's options). */
  readonly store?: (options: SessionStoreSettings) => SessionStore;
  /**
   * What seals the requestState of 2026-07-28 multi round-trip requests (MRTR): a box derived from the registry's
   * key, so every replica opens every replica's state (and tells "pending elsewhere" from forged).
   */
  readonly requestStateBox: () => SealingBox;
  /** Takes a 2026 retry to the replica holding its exchange (with Redis), given this replica's id. */
  readonly exchangeRelay?: (replica: string) => ExchangeRelay;
}

/** The router's session settings a store is built with. */
export interface SessionStoreSettings {
  readonly idleTimeoutMs: number;
  readonly anonymousIdleTimeoutMs: number;
  readonly eventBufferSize: number;
}

/** Why a replica's copy of a session ends without the session ending: the record stays for the other replicas. */
const LOCAL_ENDS = new Set(['shutdown', 'released', 'ended elsewhere']);

/**
 * The `mcp-router` target: dispatch hands it an MCP exchange that passed the pipeline, and it speaks the
 * downstream transport its endpoint names (Streamable HTTP at `/mcp/<name>`, HTTP+SSE at `…/sse` and
 * `…/messages`) against the router. It owns the downstream session machinery (store, caps, keep-alive frames,
 * idle expiry). Refusals are thrown, with the JSON-RPC id to echo on the context; the MCP ingress renders them.
 */
export class McpRouterTarget implements RouteTarget {
  readonly kind = 'mcp-router' as const;
  private readonly deps: McpTransportDeps;
  private readonly sweep: NodeJS.Timeout;

  constructor(options: McpRouterTargetOptions) {
    const router = options.router;
    const { idleTimeoutMs, anonymousIdleTimeoutMs, eventBufferSize, keepAliveMs, maxSessionsPerClient, maxSessions, maxListensPerClient, maxListens } = router.options;
    const settings = { idleTimeoutMs, anonymousIdleTimeoutMs, eventBufferSize };
    const store = options.store?.(settings) ?? new InMemorySessionStore(settings);
    const caps = new SessionCaps({ perClient: maxSessionsPerClient, total: maxSessions });
    const keepAlive = new KeepAliveTicker(keepAliveMs);
    const holding: SessionHolding = { router, store, caps, keepAlive, held: new Map(), rebuilding: new Map() };
    router.sessionsOutliveProcess = store.outlivesProcess;
    router.onSessionClosed = (id, reason) => {
      caps.release(id);
      releaseSession(id, holding);
      if (!store.outlivesProcess || !LOCAL_ENDS.has(reason)) void store.delete(id).catch(() => {});
    };
    // A consent given on any replica reaches the session that asked, wherever it is held.
    const vault = router.services.vault;
    if (vault) vault.onConsent = (subject) => void tellConsent(subject, holding).catch((err: Error) => router.services.log.warn({ session: subject.session, err: err.message }, 'vault consent: the session that asked could not be told'));
    const stateless = new StatelessSessionPool(STATELESS_POOL);
    const replica = randomUUID();
    const relay = options.exchangeRelay?.(replica);
    const inputs = { exchanges: pendingInputs(router), states: new RequestStates(options.requestStateBox, replica), relay };
    const listens = new ListenRegistry({ perClient: maxListensPerClient, total: maxListens });
    this.deps = { router, store, options: router.options, keepAlive, caps, stateless, inputs, listens, holding, findSession: (ctx, kind) => findSession(ctx, kind, holding) };
    this.sweep = setInterval(() => void expireSessions(holding).catch(() => {}), Math.max(50, Math.min(anonymousIdleTimeoutMs / 2, 30_000)));
    this.sweep.unref();
    relay?.serve((retry, sink) => continueHere(this.deps, retry, sink));
  }

  async handle(ctx: McpExchangeContext): Promise<void> {
    const endpoint = ctx.mcp!.endpoint;
    if (endpoint === 'sse') await serveLegacySse(ctx, this.deps);
    else if (endpoint === 'messages') await serveLegacyMessage(ctx, this.deps);
    else await serveStreamableHttp(ctx, this.deps);
    ctx.outcome.status ??= ctx.http!.res.statusCode;
  }

  /**
   * Resolves once the shared session store and the MRTR relay can be used, or after `timeoutMs`: the gateway waits
   * for them before it listens, so its first requests do not meet connections still being opened.
   */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.all([this.deps.store.ready?.(timeoutMs), this.deps.inputs.relay?.ready(timeoutMs)]);
  }

  /** Ends every session and its streams, and the backends (gateway shutdown). */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    this.deps.inputs.relay?.close();
    this.deps.inputs.exchanges.close();
    await this.deps.stateless.close();
    await this.deps.router.close();
    this.deps.keepAlive.close();
    this.deps.store.close?.();
  }
}

/** The parked MRTR exchanges: one left unanswered past its lifetime has its member call cancelled and its session closed. */
function pendingInputs(router: McpRouter): PendingInputs<HeldCall> {
  const { pendingInputTtlMs: ttlMs, maxPendingInputs: total, maxPendingInputsPerClient: perClient } = router.options;
  return new PendingInputs<HeldCall>({ ttlMs, total, perClient }, (held) => {
    held.call.cancel('the client did not retry within the request state lifetime');
    void held.session.close();
  });
}
