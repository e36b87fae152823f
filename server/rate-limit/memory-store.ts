import type { BucketRule, RateDecision, RateLimitStore, Spend } from './types.js';

interface Bucket {
  tokens: number;
  /** The capacity the level was last computed under: a changed rule keeps what was already spent. */
  capacity: number;
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

  take(key: string, rule: BucketRule, spend?: Spend): RateDecision {
    const amount = spend?.amount ?? 1;
    const now = spend?.now ?? Date.now();
    const b = this.level(key, rule, now);
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(now);
    const msPerToken = rule.intervalMs / rule.tokens;
    const need = Math.min(amount, rule.capacity);
    const allowed = b.tokens >= need;
    if (allowed) b.tokens -= amount;
    const resetMs = this.settle(b, rule, now);
    const remaining = Math.max(0, Math.floor(b.tokens));
    if (allowed) return { allowed, remaining, resetMs, retryAfterMs: 0 };
    return { allowed, remaining, resetMs, retryAfterMs: Math.ceil((need - b.tokens) * msPerToken) };
  }

  give(key: string, rule: BucketRule, spend: Spend): void {
    const now = spend.now ?? Date.now();
    const b = this.level(key, rule, now);
    b.tokens = Math.min(rule.capacity, b.tokens + (spend.amount ?? 1));
    this.settle(b, rule, now);
  }

  /** Number of live buckets (for tests and status). */
  get size(): number {
    return this.buckets.size;
  }

  /** The bucket refilled up to `now` (a forgotten one is full, the same as never seen). */
  private level(key: string, rule: BucketRule, now: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: rule.capacity, capacity: rule.capacity, updatedAt: now, fullAt: now };
      this.buckets.set(key, b);
      return b;
    }
    // A changed limit takes effect at once, keeping what was already spent.
    if (b.capacity !== rule.capacity) {
      b.tokens += rule.capacity - b.capacity;
      b.capacity = rule.capacity;
    }
    const refill = ((now - b.updatedAt) * rule.tokens) / rule.intervalMs;
    b.tokens = Math.min(rule.capacity, b.tokens + Math.max(0, refill));
    b.updatedAt = now;
    return b;
  }

  /** Records when `b` is full again; returns the milliseconds until then. */
  private settle(b: Bucket, rule: BucketRule, now: number): number {
    const resetMs = Math.ceil(((rule.capacity - b.tokens) * rule.intervalMs) / rule.tokens);
    b.fullAt = now + resetMs;
    return resetMs;
  }

  // A bucket that is full again is the same as no bucket: forgetting it changes no answer. Rules differ per
  // bucket (MCP limits have windows up to a day), so each bucket's own refill time decides, not the caller's rule.
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (now >= b.fullAt) this.buckets.delete(key);
  }
}
