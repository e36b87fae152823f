/**
 * Keeps this gateway's row in `gateway_instances` current (what `agate status` reads) without ever waiting on the
 * registry: a write that meets another process's lock is counted, kept as "due", and retried shortly on a timer
 * instead of sleeping in SQLite's busy handler on the event loop (design §9).
 */
import type { GatewayInstance, Registry } from '../../registry/index.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

/** What {@link InstanceReporter} needs. */
export interface InstanceReporterOptions {
  registry: Registry;
  metrics: GatewayMetrics;
  log: Logger;
  /** Builds the row to write, at the moment of writing (so a retry reports the state then, not the stale one). */
  build: () => GatewayInstance;
  /** Delay before retrying a write that met the lock. */
  retryMs?: number;
}

/** Writes the instance row now if the registry is free, else soon. */
export class InstanceReporter {
  private retry: NodeJS.Timeout | undefined;
  private deferredSince: number | undefined;
  private closed = false;

  constructor(private readonly o: InstanceReporterOptions) {}

  /** Reports now; on a held lock, retries every `retryMs` until it lands. */
  report(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = undefined;
    const attempt = this.o.registry.tryWrite(() => this.o.registry.instances.report(this.o.build()));
    if (attempt.ok) {
      if (this.deferredSince !== undefined) this.o.log.info({ deferredMs: Date.now() - this.deferredSince }, 'gateway status reported to the registry again');
      this.deferredSince = undefined;
      return;
    }
    if (!attempt.busy) {
      this.o.log.warn({ err: attempt.error }, 'could not report gateway status to the registry');
      return;
    }
    this.o.metrics.registryWritesDeferred.inc({ write: 'heartbeat' });
    if (this.deferredSince === undefined) {
      this.deferredSince = Date.now();
      this.o.log.warn('registry is locked by another process: gateway status report deferred');
    }
    this.retry = setTimeout(() => this.report(), this.o.retryMs ?? 250).unref();
  }

  /** Stops retrying (shutdown). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }
}
