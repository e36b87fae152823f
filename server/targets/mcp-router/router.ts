import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { BackendFactory } from './backend.js';
import { BackendPool } from './backend-pool.js';
import { hostedBackend } from './hosted-backend.js';
import { TurnBudget } from '../../pipeline/turn-budget.js';
import { McpMetrics } from './mcp-metrics.js';
import { RouterSession, type RouterSessionInit } from './router-session.js';
import type { SessionServices } from './session-view.js';
import type { TokenVault } from '../../auth/vault/index.js';
import { MemberEras, type EraProbeTiming, type EraStore } from './era/member-eras.js';
import type { BackendRecipe, CompiledMcpServer, McpSnapshot } from './types.js';

/**
 * Event-loop time one turn may spend on MCP work that can wait (starting requests, finishing relayed calls)
 * before the rest waits for the next turn.
 */
const TURN_BUDGET_MS = 5;

/** Process-level MCP router settings (not registry config: they shape the listener, not the servers). */
export interface McpRouterOptions {
  /** Sessions idle longer than this expire, ms (default 30 min). */
  idleTimeoutMs?: number;
  /** Anonymous sessions (no consumer) idle longer than this expire, ms (default 5 min, never above idleTimeoutMs). */
  anonymousIdleTimeoutMs?: number;
  /** Sessions one client (consumer, else client IP) may hold at once (default 100). */
  maxSessionsPerClient?: number;
  /** Sessions the gateway holds at once (default 10 000). */
  maxSessions?: number;
  /** Messages one JSON-RPC batch may hold (2025-03-26 sessions; default 100). */
  maxBatchSize?: number;
  /** Interval of SSE keep-alive comment frames on idle streams, ms (default 15 s; 0 disables). */
  keepAliveMs?: number;
  /** Events kept per session for Last-Event-ID replay (default 512). */
  eventBufferSize?: number;
  /** Browser origins allowed besides the request's own host. */
  allowedOrigins?: string[];
  /** Deadline to connect and initialize a member, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** First / longest reconnect delay after a member fails, ms (defaults 250 / 10 000). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Deadline of a relayed request without progress, ms (default 120 s). */
  toolTimeoutMs?: number;
  /** Largest POST body, bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** How long a 2026-07-28 request whose member asked the client something waits for the client's retry, ms (default 60 s). */
  pendingInputTtlMs?: number;
  /** Such requests held at once (default 256), and per client: consumer, else client IP (default 16). */
  maxPendingInputs?: number;
  maxPendingInputsPerClient?: number;
  /** Open 2026-07-28 `subscriptions/listen` streams per client: consumer, else client IP (default 16), and in all (default 1024). */
  maxListensPerClient?: number;
  maxListens?: number;
  /** Backend factories by kind; `hosted` and `rest` (both in process) are built in, later kinds register here. */
  backendFactories?: ReadonlyMap<BackendRecipe['kind'], BackendFactory>;
  /** Where members' learnt eras outlive the process (the registry); in memory only when absent. */
  eraStore?: EraStore;
  /** Era probe deadline, retry backoff and legacy horizon (defaults: ERA_PROBE_DEFAULTS). */
  eraProbe?: Partial<EraProbeTiming>;
}

/** Options with every default filled in. */
export type ResolvedMcpRouterOptions = Required<Omit<McpRouterOptions, 'backendFactories' | 'eraStore' | 'eraProbe'>>;

/** A live downstream session: the router's state plus the transport it speaks over. */
export interface LiveSession {
  readonly session: RouterSession;
  readonly transport: Transport;
  /** `listen`: the session behind a 2026-07-28 subscriptions/listen stream (no client ever names it). */
  readonly kind: 'streamable-http' | 'sse' | 'listen';
}

/**
 * The long-lived MCP router: backends (by server name + config hash) and live sessions, reconciled with each
 * new snapshot. Unchanged servers keep their connections and sessions, changed ones are reconnected (their
 * clients are told with list_changed), removed ones are closed.
 */
export class McpRouter {
  readonly options: ResolvedMcpRouterOptions;
  readonly services: SessionServices;
  private readonly pool: BackendPool;
  private readonly sessions = new Map<string, LiveSession>();
  private snapshot: McpSnapshot | undefined;
  /** Sessions outlive this process (a shared store): a shutdown leaves their upstream sessions open for other replicas. */
  sessionsOutliveProcess = false;
  /** Called after a session ended for any reason (the target frees its cap slot and forgets its record). */
  onSessionClosed: ((id: string, reason: string) => void) | undefined;

  constructor(deps: { log: Logger; metrics: MetricsRegistry; options?: McpRouterOptions; vault?: TokenVault }) {
    const o = deps.options ?? {};
    this.options = {
      idleTimeoutMs: o.idleTimeoutMs ?? 30 * 60_000,
      anonymousIdleTimeoutMs: Math.min(o.anonymousIdleTimeoutMs ?? 5 * 60_000, o.idleTimeoutMs ?? 30 * 60_000),
      maxSessionsPerClient: o.maxSessionsPerClient ?? 100,
      maxSessions: o.maxSessions ?? 10_000,
      maxBatchSize: o.maxBatchSize ?? 100,
      keepAliveMs: o.keepAliveMs ?? 15_000,
      eventBufferSize: o.eventBufferSize ?? 512,
      allowedOrigins: o.allowedOrigins ?? [],
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      retryInitialMs: o.retryInitialMs ?? 250,
      retryMaxMs: o.retryMaxMs ?? 10_000,
      toolTimeoutMs: o.toolTimeoutMs ?? 120_000,
      maxBodyBytes: o.maxBodyBytes ?? 4 * 1024 * 1024,
      pendingInputTtlMs: o.pendingInputTtlMs ?? 60_000,
      maxPendingInputs: o.maxPendingInputs ?? 256,
      maxPendingInputsPerClient: o.maxPendingInputsPerClient ?? 16,
      maxListensPerClient: o.maxListensPerClient ?? 16,
      maxListens: o.maxListens ?? 1024,
    };
    const factories = new Map(o.backendFactories ?? []);
    if (!factories.has('hosted')) factories.set('hosted', hostedBackend);
    if (!factories.has('rest')) factories.set('rest', hostedBackend);
    this.pool = new BackendPool(factories, deps.log);
    this.services = {
      pool: this.pool,
      metrics: new McpMetrics(deps.metrics),
      log: deps.log,
      timing: { connectTimeoutMs: this.options.connectTimeoutMs, retryInitialMs: this.options.retryInitialMs, retryMaxMs: this.options.retryMaxMs },
      toolTimeoutMs: this.options.toolTimeoutMs,
      turns: new TurnBudget(TURN_BUDGET_MS),
      vault: deps.vault,
      eras: new MemberEras({ log: deps.log, store: o.eraStore, timing: o.eraProbe }),
    };
  }

  /** The server `name` as served now (enabled, in the applied snapshot). */
  server(name: string): CompiledMcpServer | undefined {
    return this.snapshot?.servers.get(name);
  }

  /** Moves backends and sessions onto a new snapshot's MCP part. */
  apply(snapshot: McpSnapshot): void {
    if (snapshot === this.snapshot) return;
    this.snapshot = snapshot;
    this.pool.reconcile(snapshot.servers);
    this.services.eras.reconcile(this.pool);
    for (const [id, live] of this.sessions) {
      const config = snapshot.servers.get(live.session.config.name);
      if (!config) void this.closeSession(id, 'server removed');
      else void live.session.reconcile(config).catch((err) => this.services.log.warn({ err, session: id }, 'mcp session reconcile failed'));
    }
  }

  /** A new downstream session for `config` (not yet registered). */
  open(init: Omit<RouterSessionInit, 'services'>): RouterSession {
    return new RouterSession({ ...init, services: this.services });
  }

  /** Registers a session once its transport is ready. */
  add(live: LiveSession): void {
    this.sessions.set(live.session.id, live);
    this.services.metrics.sessions.inc({ server: live.session.config.name, event: 'opened' });
  }

  /** The live session `id`. */
  get(id: string): LiveSession | undefined {
    return this.sessions.get(id);
  }

  /** How many sessions are open (for status output and tests). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Ends session `id`: its streams, upstream sessions and record. */
  async closeSession(id: string, reason: string): Promise<void> {
    const live = this.sessions.get(id);
    if (!live) return;
    this.sessions.delete(id);
    this.services.metrics.sessions.inc({ server: live.session.config.name, event: reason === 'expired' ? 'expired' : 'closed' });
    this.services.log.info({ session: id, server: live.session.config.name, reason }, 'mcp session closed');
    // A listen's session is no other replica's to resume: its upstream sessions end with it.
    await live.session.close(reason === 'shutdown' && this.sessionsOutliveProcess && live.kind !== 'listen');
    await live.transport.close().catch(() => {});
    this.onSessionClosed?.(id, reason);
  }

  /** Closes every session and backend (gateway shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.closeSession(id, 'shutdown')));
    this.services.eras.close();
    await this.pool.closeAll();
  }
}
