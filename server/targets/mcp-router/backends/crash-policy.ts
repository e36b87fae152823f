import type { StdioTuning } from './options.js';

type CrashLimits = Pick<
  StdioTuning,
  'restartInitialMs' | 'restartMaxMs' | 'stableAfterMs' | 'maxCrashes' | 'crashWindowMs' | 'crashCooldownMs'
>;

/**
 * Restart pacing for one stdio server: exponential backoff between consecutive crashes, and crash-loop damping
 * (too many crashes in a window hold the server stopped for a cool-down instead of burning CPU on restarts).
 */
export class CrashPolicy {
  private crashes: number[] = [];
  private consecutive = 0;
  private notBefore = 0;
  private loopingUntil = 0;

  constructor(private readonly limits: CrashLimits) {}

  /** Records a crash of a process started at `startedAt`; returns true when the server is now crash-looping. */
  recordCrash(startedAt: number, now = Date.now()): boolean {
    // A process that ran long enough was healthy: its crash starts a new backoff series.
    if (now - startedAt >= this.limits.stableAfterMs) this.consecutive = 0;
    this.consecutive++;
    this.crashes = this.crashes.filter((t) => now - t < this.limits.crashWindowMs);
    this.crashes.push(now);
    const delay = Math.min(this.limits.restartMaxMs, this.limits.restartInitialMs * 2 ** Math.min(this.consecutive - 1, 30));
    this.notBefore = now + delay;
    if (this.crashes.length < this.limits.maxCrashes) return false;
    this.loopingUntil = now + this.limits.crashCooldownMs;
    return true;
  }

  /** True while held stopped after a crash loop. */
  isLooping(now = Date.now()): boolean {
    return now < this.loopingUntil;
  }

  /** When the cool-down ends (ms since epoch). */
  get coolDownEndsAt(): number {
    return this.loopingUntil;
  }

  /** Ms until the backoff allows the next start (0: now). */
  waitBeforeStart(now = Date.now()): number {
    return Math.max(0, this.notBefore - now);
  }

  /** Forgets the history (cool-down over, or an operator reset). */
  reset(): void {
    this.crashes = [];
    this.consecutive = 0;
    this.notBefore = 0;
    this.loopingUntil = 0;
  }
}
