import type { Db } from './db.js';

/** What a running gateway reports about itself. */
export interface GatewayInstance {
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
  listeners: Array<{ name: string; url: string }>;
  snapshotVersion: number | null;
  lastReloadAt: string | null;
  lastReloadError: string | null;
  /** Its backends' health as it last saw it (empty lists for a row written before schema version 4). */
  backendHealth: BackendHealthReport;
  /** In a `--workers` cluster, a worker's row names its primary process; absent for a single process or a primary. */
  primaryPid?: number;
}

/** The health of what a gateway's traffic depends on: supervised MCP backends and HTTP upstream targets. */
export interface BackendHealthReport {
  mcp: McpBackendHealth[];
  http: UpstreamTargetHealth[];
  /** The shared runtime store, when the gateway runs with one (`agate serve --redis`). */
  redis?: RedisHealth;
}

/** The Redis connection as a gateway sees it. */
export interface RedisHealth {
  /** The URL without its password. */
  url: string;
  /** `up`, `down` (reconnecting by itself) or `connecting` (never connected yet). */
  state: 'connecting' | 'up' | 'down';
  since: string;
  lastError?: string;
  lastErrorAt?: string;
  /** Limits decided without Redis since the start, by fail mode: refused (`closed`) and admitted (`open`). */
  decidedUnderFailure: { closed: number; open: number };
  /** Replicas sharing this Redis, as this one last counted them (shared limits split by it); absent from older gateways. */
  replicas?: number;
}

/** An MCP server's supervised backend (stdio processes, a remote server). */
export interface McpBackendHealth {
  server: string;
  /** The backend kind: `stdio` or `remote`. */
  kind: string;
  /** `stopped` (nothing running, nothing wrong), `starting`, `ready`, `down` (the last attempt failed) or `crash-looping`. */
  state: 'stopped' | 'starting' | 'ready' | 'down' | 'crash-looping';
  /** Why, when it is not ready: the crash, the refused connection. */
  reason?: string;
  /** When it entered this state. */
  since: string;
}

/** One target of an HTTP upstream. */
export interface UpstreamTargetHealth {
  upstream: string;
  url: string;
  /**
   * `healthy`; `ejected` by outlier detection until `ejectedUntil`; `half-open`: the ejection ended and the next
   * request probes it; `unhealthy`: failing active health checks (whether ejected or not).
   */
  state: 'healthy' | 'ejected' | 'half-open' | 'unhealthy';
  ejectedUntil?: string;
  reason?: string;
}

/** Rows running gateways keep up to date, so `agate status` needs nothing but the registry. */
export class GatewayInstancesRepo {
  constructor(private readonly db: Db) {}

  /** Inserts or replaces this process's row. */
  report(i: GatewayInstance): void {
    this.db
      .prepare(
        `INSERT INTO gateway_instances (id, host, started_at, heartbeat_at, listeners, snapshot_version, last_reload_at, last_reload_error, backend_health, primary_pid)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET host = excluded.host, started_at = excluded.started_at,
           heartbeat_at = excluded.heartbeat_at, listeners = excluded.listeners,
           snapshot_version = excluded.snapshot_version, last_reload_at = excluded.last_reload_at,
           last_reload_error = excluded.last_reload_error, backend_health = excluded.backend_health,
           primary_pid = excluded.primary_pid`,
      )
      .run(
        i.pid,
        i.host,
        i.startedAt,
        i.heartbeatAt,
        JSON.stringify(i.listeners),
        i.snapshotVersion,
        i.lastReloadAt,
        i.lastReloadError,
        JSON.stringify(i.backendHealth),
        i.primaryPid ?? null,
      );
  }

  /** Removes this process's row on a clean shutdown. */
  forget(pid: number): void {
    this.db.prepare('DELETE FROM gateway_instances WHERE id = ?').run(pid);
  }

  /** Every reported instance, newest heartbeat first. */
  list(): GatewayInstance[] {
    const rows = this.db.prepare('SELECT * FROM gateway_instances ORDER BY heartbeat_at DESC').all() as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      pid: r.id as number,
      host: r.host as string,
      startedAt: r.started_at as string,
      heartbeatAt: r.heartbeat_at as string,
      listeners: JSON.parse(r.listeners as string),
      snapshotVersion: r.snapshot_version as number | null,
      lastReloadAt: r.last_reload_at as string | null,
      lastReloadError: r.last_reload_error as string | null,
      backendHealth: r.backend_health === null ? { mcp: [], http: [] } : JSON.parse(r.backend_health as string),
      ...(r.primary_pid !== null && { primaryPid: r.primary_pid as number }),
    }));
  }
}
