import type { BackendHealthReport, McpBackendHealth, RedisHealth, UpstreamTargetHealth } from '../../registry/index.js';
import type { KnownTarget, TargetStates } from '../targets/http-proxy/index.js';
import type { BackendPool } from '../targets/mcp-router/backend-pool.js';

/** Where the gateway's backend health lives: the MCP router's backend pool and the HTTP target states. */
export interface HealthSources {
  readonly mcp: BackendPool;
  readonly http: TargetStates;
  /** The shared store's connection, when there is one. */
  readonly redis?: () => RedisHealth | undefined;
}

/** The health of every supervised MCP backend and every HTTP upstream target, as of `now`. */
export function collectBackendHealth(sources: HealthSources, now = Date.now()): BackendHealthReport {
  const mcp = sources.mcp
    .health()
    .map(({ server, kind, health }): McpBackendHealth => ({
      server,
      kind,
      state: health.state,
      ...(health.state !== 'ready' && health.reason !== undefined && { reason: health.reason }),
      since: new Date(health.since).toISOString(),
    }))
    .sort((a, b) => a.server.localeCompare(b.server));
  const http = sources.http
    .list()
    .map((t) => targetHealth(t, now))
    .sort((a, b) => a.upstream.localeCompare(b.upstream) || a.url.localeCompare(b.url));
  const redis = sources.redis?.();
  return redis ? { mcp, http, redis } : { mcp, http };
}

function targetHealth({ upstream, url, state: s }: KnownTarget, now: number): UpstreamTargetHealth {
  const until = s.ejected ? { ejectedUntil: new Date(s.ejectedUntil).toISOString() } : {};
  if (!s.healthy) return { upstream, url, state: 'unhealthy', ...until, reason: 'failing active health checks' };
  if (!s.ejected) return { upstream, url, state: 'healthy' };
  if (now < s.ejectedUntil) return { upstream, url, state: 'ejected', ...until, reason: `outlier detection (ejection ${s.ejections} in a row)` };
  return { upstream, url, state: 'half-open', ...until, reason: 'ejection over: the next request probes it' };
}

/**
 * Notices backend health changes without touching the request path: every `intervalMs` it collects the
 * in-memory state and calls `onChange` when that differs from what was last taken for the registry. No I/O
 * while nothing changes; a burst of changes within one interval costs one call.
 */
export class HealthWatch {
  private reported = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly collect: () => BackendHealthReport,
    private readonly onChange: () => void,
  ) {}

  /** Samples every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (JSON.stringify(this.collect()) !== this.reported) this.onChange();
    }, intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The health now, remembered as reported: the next sample calls `onChange` only if it changes again. */
  take(): BackendHealthReport {
    const report = this.collect();
    this.reported = JSON.stringify(report);
    return report;
  }
}
