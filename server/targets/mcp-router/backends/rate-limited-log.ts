import type { Logger } from 'pino';

/** Limits of a rate-limited log stream. */
export interface LogRate {
  /** Lines per second allowed on average. */
  readonly linesPerSecond: number;
  /** Lines allowed in a burst above the average. */
  readonly burst: number;
}

/**
 * Logs lines from a child (stderr, stray stdout) through a token bucket. Suppressed lines are only counted,
 * never buffered, so a flooding child costs neither memory nor disk; the count is logged once lines flow again.
 */
export class RateLimitedLog {
  private tokens: number;
  private refilledAt = Date.now();
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly rate: LogRate,
    private readonly message: string,
  ) {
    this.tokens = rate.burst;
  }

  /** Lines suppressed so far and not yet reported. */
  get suppressedCount(): number {
    return this.suppressed;
  }

  /** Logs `line` at `level` if the bucket allows, else counts it. */
  write(line: string, level: 'info' | 'warn' = 'info', extra: Record<string, unknown> = {}): void {
    this.refill();
    if (this.tokens < 1) {
      this.suppressed++;
      return;
    }
    this.tokens--;
    if (this.suppressed > 0) {
      this.log.warn({ suppressed: this.suppressed }, `${this.message}: lines suppressed (rate limit)`);
      this.suppressed = 0;
    }
    this.log[level]({ ...extra, line }, this.message);
  }

  /** Reports a pending suppressed count (the child exited). */
  flush(): void {
    if (this.suppressed === 0) return;
    this.log.warn({ suppressed: this.suppressed }, `${this.message}: lines suppressed (rate limit)`);
    this.suppressed = 0;
  }

  private refill(): void {
    const now = Date.now();
    const add = ((now - this.refilledAt) / 1000) * this.rate.linesPerSecond;
    if (add < 1) return;
    this.tokens = Math.min(this.rate.burst, this.tokens + add);
    this.refilledAt = now;
  }
}
