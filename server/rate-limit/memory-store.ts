import type { BucketRule, RateDecision, RateLimitStore } from './types.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets idle this long are full again and can be forgotten. */
const SWEEP_EVERY = 10_000;

/**
 * Token buckets in a Map, owned by the gateway (not the snapshot), so a reload keeps every bucket's level.
 * Refill is computed lazily from the elapsed time: no timers per bucket.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private takes = 0;

  take(key: string, rule: BucketRule, now: number): RateDecision {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: rule.capacity, updatedAt: now };
      this.buckets.set(key, b);
    } else {
      const refill = ((now - b.updatedAt) * rule.tokens) / rule.intervalMs;
      b.tokens = Math.min(rule.capacity, b.tokens + refill);
      b.updatedAt = now;
    }
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(now, rule);
    const msPerToken = rule.intervalMs / rule.tokens;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens), resetMs: Math.ceil((rule.capacity - b.tokens) * msPerToken), retryAfterMs: 0 };
    }
    return {
      allowed: false,
      remaining: 0,
      resetMs: Math.ceil((rule.capacity - b.tokens) * msPerToken),
      retryAfterMs: Math.ceil((1 - b.tokens) * msPerToken),
    };
  }

  /** Number of live buckets (for tests and status). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number, rule: BucketRule): void {
    // A bucket untouched for a full refill period of the slowest plausible rule is full: drop it.
    const idle = Math.max(rule.intervalMs * 2, 3_600_000);
    for (const [key, b] of this.buckets) if (now - b.updatedAt > idle) this.buckets.delete(key);
  }
}
