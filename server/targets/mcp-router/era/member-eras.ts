import type { Logger } from 'pino';
import type { McpMemberEra } from '../../../../registry/index.js';
import type { McpBackend } from '../backend.js';
import type { BackendPool } from '../backend-pool.js';
import type { BackendHealth } from '../backends/backend-health.js';
import { probeEra, type EraFinding } from './era-probe.js';
import { contradictsLegacy } from './contradiction.js';

/** Where learnt eras are kept across restarts (the registry's `mcp_member_eras`). Writes must not block the caller. */
export interface EraStore {
  /** What earlier runs learnt (read once, at start). */
  load(): readonly McpMemberEra[];
  /** Keeps `era` (deferred and retried by the store: never on the caller's turn). */
  save(era: McpMemberEra): void;
  /** Forgets a server that is gone or no longer probed. */
  forget(server: string): void;
  /** Writes what is still due (shutdown). */
  close?(): void;
}

/** Timing of probes (process settings, like the router's). */
export interface EraProbeTiming {
  /** Deadline of each probe exchange, ms (default 10 s). */
  readonly probeTimeoutMs: number;
  /** First / longest delay before probing a member whose era is unknown again, ms (defaults 5 s / 5 min). */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /**
   * A legacy era older than this is probed again, ms (default 24 h): an upgraded server still answers
   * `initialize`, so a stale legacy verdict would never fail by itself (the v2 SDK's gateway guidance).
   */
  readonly legacyHorizonMs: number;
}

/** Defaults of {@link EraProbeTiming}. */
export const ERA_PROBE_DEFAULTS: EraProbeTiming = Object.freeze({ probeTimeoutMs: 10_000, retryInitialMs: 5_000, retryMaxMs: 300_000, legacyHorizonMs: 86_400_000 });

/** The legacy HTTP+SSE transport is the 2024-11-05 revision by definition: nothing to probe. */
const SSE_REVISION = '2024-11-05';

interface Tracked {
  readonly hash: string;
  readonly backend: McpBackend;
  readonly transport: 'http' | 'stdio' | 'sse';
  timer?: NodeJS.Timeout;
  probing?: Promise<void>;
  /** Stops waiting for a lazily started stdio member's first start. */
  unwatch?: () => void;
  failures: number;
}

/**
 * The era of every remote and stdio member: learnt by the spec's probe (era-probe.ts) when a member appears or its
 * backend changes, reused from the store after a restart, probed again with backoff while unknown (a 401/403/5xx,
 * timeout or refused connection settles nothing) and once more when a member contradicts what was learnt.
 * Probes run beside traffic: nothing waits for them.
 */
export class MemberEras {
  private readonly known = new Map<string, McpMemberEra>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly timing: EraProbeTiming;
  private closed = false;

  constructor(private readonly deps: { log: Logger; store?: EraStore; timing?: Partial<EraProbeTiming> }) {
    this.timing = { ...ERA_PROBE_DEFAULTS, ...deps.timing };
    for (const era of deps.store?.load() ?? []) this.known.set(era.server, era);
  }

  /** What is known of server `name`'s era (undefined: not a remote or stdio member). */
  get(name: string): McpMemberEra | undefined {
    return this.tracked.has(name) ? this.known.get(name) : undefined;
  }

  /** What is known of server `name`'s era once a probe in flight (if any) has settled. */
  async current(name: string): Promise<McpMemberEra | undefined> {
    await this.tracked.get(name)?.probing;
    return this.get(name);
  }

  /** Follows the pool after a reconcile: new or changed members are probed, removed ones forgotten. */
  reconcile(pool: BackendPool): void {
    const health = new Map(pool.health().map((h) => [h.server, h.health] as const));
    const current = new Map([...health.keys()].map((server) => [server, pool.get(server)!] as const));
    for (const [name, t] of this.tracked) {
      if (current.get(name)?.hash === t.hash) continue;
      clearTimeout(t.timer);
      t.unwatch?.();
      this.tracked.delete(name);
      if (!current.has(name)) this.forget(name);
    }
    for (const [name, pooled] of current) {
      if (this.tracked.has(name)) continue;
      const t: Tracked = { hash: pooled.hash, backend: pooled.backend, transport: transportOf(pooled.backend), failures: 0 };
      this.tracked.set(name, t);
      this.start(name, t, health.get(name)!);
    }
  }

  /**
   * A member failed to open an upstream session with `err`: when that failure is a modern-only refusal of the
   * 2025 handshake and the member was taken for legacy (or unknown), its era is probed again at once (once per
   * contradiction: a probe already running is joined). True when a probe now runs for it.
   */
  observeFailure(name: string, err: unknown): boolean {
    const t = this.tracked.get(name);
    if (!t || this.known.get(name)?.era === 'modern' || !contradictsLegacy(err)) return false;
    this.deps.log.info({ server: name }, 'mcp member refused the 2025 handshake as a modern-only server: probing its era again');
    this.probeNow(name, t);
    return true;
  }

  /** Stops every pending probe. */
  close(): void {
    this.closed = true;
    for (const t of this.tracked.values()) {
      clearTimeout(t.timer);
      t.unwatch?.();
    }
    this.deps.store?.close?.();
  }

  /** A member just tracked: reuse what is known of this backend, else probe now. */
  private start(name: string, t: Tracked, health: BackendHealth): void {
    if (t.transport === 'sse') return this.record(name, t, { era: 'legacy', protocolVersion: SSE_REVISION });
    const known = this.known.get(name);
    const fresh = known?.backendHash === t.hash && known.era !== 'unknown';
    if (fresh && !(known.era === 'legacy' && Date.now() - Date.parse(known.learntAt ?? '') > this.timing.legacyHorizonMs)) return;
    // stdio processes start lazily (on a session's first use): the probe waits for that, never spawning one itself.
    if (t.transport !== 'stdio' || health.state === 'ready') return this.probeNow(name, t);
    t.unwatch = health.subscribe((change) => {
      if (change.state !== 'ready') return;
      t.unwatch?.();
      this.probeNow(name, t);
    });
  }

  private probeNow(name: string, t: Tracked): void {
    clearTimeout(t.timer);
    t.probing ??= probeEra(t.backend, { timeoutMs: this.timing.probeTimeoutMs, transport: t.transport === 'stdio' ? 'stdio' : 'http' })
      .then((finding) => this.learnt(name, t, finding))
      .catch((err: unknown) => this.learnt(name, t, { era: 'unknown', reason: (err as Error).message }))
      .finally(() => (t.probing = undefined));
  }

  private learnt(name: string, t: Tracked, finding: EraFinding): void {
    if (this.closed || this.tracked.get(name) !== t) return;
    this.record(name, t, finding);
    if (finding.era !== 'unknown') {
      t.failures = 0;
      return;
    }
    const delay = Math.min(this.timing.retryMaxMs, this.timing.retryInitialMs * 2 ** Math.min(t.failures++, 20));
    this.deps.log.warn({ server: name, reason: finding.reason, retryInMs: delay }, 'mcp member era unknown: probe settled nothing');
    t.timer = setTimeout(() => this.probeNow(name, t), delay);
    t.timer.unref();
  }

  /** A finding as the record to keep: an unknown one keeps an era learnt before for this backend, with the error. */
  private record(name: string, t: Tracked, finding: EraFinding): void {
    const now = new Date().toISOString();
    const before = this.known.get(name);
    const same = before?.backendHash === t.hash ? before : undefined;
    const era: McpMemberEra =
      finding.era === 'unknown'
        ? { server: name, backendHash: t.hash, era: same?.era ?? 'unknown', protocolVersion: same?.protocolVersion ?? null, learntAt: same?.learntAt ?? null, lastError: finding.reason, lastErrorAt: now }
        : { server: name, backendHash: t.hash, era: finding.era, protocolVersion: finding.protocolVersion, learntAt: now, lastError: null, lastErrorAt: null };
    this.known.set(name, era);
    if (finding.era !== 'unknown') this.deps.log.info({ server: name, era: era.era, protocolVersion: era.protocolVersion }, 'mcp member era learnt');
    this.deps.store?.save(era);
  }

  private forget(name: string): void {
    if (!this.known.delete(name)) return;
    this.deps.store?.forget(name);
  }
}

/** How a backend is probed: remote Streamable HTTP, remote HTTP+SSE (not probed) or stdio. */
function transportOf(backend: McpBackend): Tracked['transport'] {
  if (backend.kind === 'stdio') return 'stdio';
  return (backend as { options?: { transport?: string } }).options?.transport === 'sse' ? 'sse' : 'http';
}
