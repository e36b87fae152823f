import type { Logger } from 'pino';
import type { Registry } from '../../registry/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { SnapshotCompileError, type Snapshot } from './snapshot.js';

/** The state `agate status` and the admin API report. */
export interface ReloadStatus {
  snapshotVersion: number | null;
  lastReloadAt: string | null;
  /** Why the last reload failed, or what it held back (`config partly applied: ...`); null when all is served. */
  lastReloadError: string | null;
  /** Problems of the entities the served snapshot left out, one line each (`route "api": ...`). */
  heldBack: string[];
}

/** The one-line summary of held-back entities that `lastReloadError` carries to `agate status`. */
export function heldBackSummary(heldBack: readonly string[]): string | null {
  return heldBack.length ? `config partly applied, held back: ${heldBack.join('; ')}` : null;
}

/**
 * Holds the current snapshot and swaps it when the registry changes. Detection is a poll of the
 * config-version row (bumped by triggers on every commit, from any process): a few microseconds per tick,
 * and unlike file watching it cannot miss a write.
 */
export class SnapshotManager {
  private snapshot: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seenVersion = -1;
  /** A load the next compile needs is under way (see `prepare`); polls wait for it. */
  private preparing = false;
  private prepareFailed = false;
  readonly status: ReloadStatus = { snapshotVersion: null, lastReloadAt: null, lastReloadError: null, heldBack: [] };

  constructor(
    private readonly registry: Registry,
    private readonly compile: () => Snapshot,
    private readonly deps: {
      log: Logger;
      metrics: GatewayMetrics;
      onReload?: (status: ReloadStatus) => void;
      /**
       * What the next compile needs loaded first, if anything (the BPE tables of a first token limit). While a
       * snapshot serves, the rebuild waits for it off the loop and the old snapshot goes on serving; the first
       * compile at startup loads synchronously instead.
       */
      prepare?: () => Promise<void> | undefined;
    },
  ) {}

  /** The snapshot to serve, or undefined before the first successful compile. */
  current(): Snapshot | undefined {
    return this.snapshot;
  }

  /** Compiles once now and then polls every `pollMs`. */
  start(pollMs: number): void {
    this.check();
    this.timer = setInterval(() => this.check(), pollMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Rebuilds if the registry's version moved since the last attempt. */
  check(): void {
    if (this.preparing) return;
    let version: number;
    try {
      version = this.registry.version();
    } catch (err) {
      this.deps.log.warn({ err }, 'registry version check failed');
      return;
    }
    if (version === this.seenVersion) return;
    const pending = this.snapshot && !this.prepareFailed ? this.deps.prepare?.() : undefined;
    if (pending) return this.waitFor(pending);
    this.seenVersion = version;
    this.rebuild(version);
  }

  /** Checks again once `pending` settles; if it failed, the compile loads what it needs itself. */
  private waitFor(pending: Promise<void>): void {
    this.preparing = true;
    pending
      .catch((err: unknown) => {
        this.prepareFailed = true;
        this.deps.log.warn({ err }, 'loading ahead of a reload failed: loading inside the compile');
      })
      .finally(() => {
        this.preparing = false;
        this.check();
      });
  }

  private rebuild(version: number): void {
    const started = process.hrtime.bigint();
    try {
      const next = this.compile();
      this.snapshot = next;
      this.status.snapshotVersion = next.version;
      this.status.heldBack = [...next.heldBack];
      this.status.lastReloadError = heldBackSummary(next.heldBack);
      this.deps.metrics.reloads.inc({ result: next.heldBack.length ? 'partial' : 'ok' });
      this.deps.metrics.configVersion.set(next.version);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = { version: next.version, ...next.stats, compileMs: Math.round(ms * 1000) / 1000 };
      if (next.heldBack.length) this.deps.log.error({ ...fields, problems: next.heldBack }, this.status.lastReloadError!);
      else this.deps.log.info(fields, 'config loaded');
    } catch (err) {
      const message = err instanceof SnapshotCompileError ? err.message : `config rejected: ${(err as Error).message}`;
      this.status.lastReloadError = message;
      this.deps.metrics.reloads.inc({ result: 'rejected' });
      this.deps.log.error({ version, problems: (err as SnapshotCompileError).problems }, message);
    }
    this.status.lastReloadAt = new Date().toISOString();
    this.deps.onReload?.(this.status);
  }
}
