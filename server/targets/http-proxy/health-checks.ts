import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { TargetState } from './target-state.js';

/** Active health-check settings (upstream.schema.json `healthCheck`). */
export interface HealthCheckConfig {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/** One target to probe. */
export interface HealthCheckTarget {
  /** Upstream name + target URL: the identity that survives snapshot swaps. */
  readonly key: string;
  readonly origin: string;
  readonly basePath: string;
  readonly config: HealthCheckConfig;
  readonly state: TargetState;
}

interface Running {
  signature: string;
  timer: NodeJS.Timeout;
  inFlight: boolean;
  successes: number;
  failures: number;
}

/**
 * Probes targets with `GET <path>` on an interval and flips `TargetState.healthy` after the configured
 * number of consecutive results (2xx/3xx is healthy). Owned by the gateway: a reload that keeps a target
 * keeps its checker and counters; a reload that drops it stops the timer.
 */
export class HealthChecks {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log?: Logger,
  ) {}

  /** Starts checkers for new targets, restarts changed ones, stops the rest. */
  sync(targets: readonly HealthCheckTarget[]): void {
    const wanted = new Set<string>();
    for (const t of targets) {
      wanted.add(t.key);
      const signature = JSON.stringify([t.origin, t.basePath, t.config]);
      const existing = this.running.get(t.key);
      if (existing?.signature === signature) continue;
      if (existing) clearInterval(existing.timer);
      this.start(t, signature);
    }
    for (const [key, r] of this.running) {
      if (wanted.has(key)) continue;
      clearInterval(r.timer);
      this.running.delete(key);
    }
  }

  /** Stops every checker. */
  close(): void {
    for (const r of this.running.values()) clearInterval(r.timer);
    this.running.clear();
  }

  private start(t: HealthCheckTarget, signature: string): void {
    const r: Running = { signature, timer: setInterval(() => this.probe(t, r), t.config.intervalMs).unref(), inFlight: false, successes: 0, failures: 0 };
    this.running.set(t.key, r);
    this.probe(t, r);
  }

  private probe(t: HealthCheckTarget, r: Running): void {
    if (r.inFlight) return;
    r.inFlight = true;
    const { timeoutMs } = t.config;
    this.dispatcher
      .request({ origin: t.origin, path: t.basePath + t.config.path, method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => {
        await res.body.dump();
        return res.statusCode >= 200 && res.statusCode < 400;
      })
      .catch(() => false)
      .then((ok) => {
        r.inFlight = false;
        if (this.running.get(t.key) !== r) return;
        this.record(t, r, ok);
      });
  }

  private record(t: HealthCheckTarget, r: Running, ok: boolean): void {
    if (ok) {
      r.successes++;
      r.failures = 0;
      if (!t.state.healthy && r.successes >= t.config.healthyThreshold) {
        t.state.healthy = true;
        this.log?.info({ target: t.key }, 'health check: target healthy');
      }
    } else {
      r.failures++;
      r.successes = 0;
      if (t.state.healthy && r.failures >= t.config.unhealthyThreshold) {
        t.state.healthy = false;
        this.log?.warn({ target: t.key }, 'health check: target unhealthy');
      }
    }
  }
}
