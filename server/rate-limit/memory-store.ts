import type { BucketRule, RateDecision, RateLimitStore } from './types.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** When the bucket is full again if nothing takes from it: from then on it can be forgotten. */
  fullAt: number;
}

/** How many takes between sweeps of the buckets that are full again. */
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
      b = { tokens: rule.capacity, updatedAt: now, fullAt: now };
      this.buckets.set(key, b);
    } else {
      const refill = ((now - b.updatedAt) * rule.tokens) / rule.intervalMs;
      b.tokens = Math.min(rule.capacity, b.tokens + refill);
      b.updatedAt = now;
    }
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(now);
    const msPerToken = rule.intervalMs / rule.tokens;
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const resetMs = Math.ceil((rule.capacity - b.tokens) * msPerToken);
    b.fullAt = now + resetMs;
    if (allowed) return { allowed, remaining: Math.floor(b.tokens), resetMs, retryAfterMs: 0 };
    return { allowed, remaining: 0, resetMs, retryAfterMs: Math.ceil((1 - b.tokens) * msPerToken) };
  }

  /** Number of live buckets (for tests and status). */
  get size(): number {
    return this.buckets.size;
  }

  // A bucket that is full again is the same as no bucket: forgetting it changes no answer. Rules differ per
  // bucket (MCP limits have windows up to a day), so each bucket's own refill time decides, not the caller's rule.
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (now >= b.fullAt) this.buckets.delete(key);
  }
}
