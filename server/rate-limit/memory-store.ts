import { periodAt, type PeriodRule } from './period.js';
import type { BucketRule, PeriodDecision, PeriodSpend, RateDecision, RateLimitStore, Spend } from './types.js';

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
  /** Budget counters: the period they count and what it has spent (one entry per budget key, replaced at rollover). */
  private readonly counters = new Map<string, { periodId: string; used: number }>();
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
    const resetMs = this.refillTime(b, rule, now);
    const remaining = Math.max(0, Math.floor(b.tokens));
    if (allowed) return { allowed, remaining, resetMs, retryAfterMs: 0 };
    return { allowed, remaining, resetMs, retryAfterMs: Math.ceil((need - b.tokens) * msPerToken) };
  }

  give(key: string, rule: BucketRule, spend: Spend): void {
    const now = spend.now ?? Date.now();
    const b = this.level(key, rule, now);
    b.tokens = Math.min(rule.capacity, b.tokens + (spend.amount ?? 1));
    this.refillTime(b, rule, now);
  }

  charge(key: string, rule: PeriodRule, spend: PeriodSpend): PeriodDecision {
    const window = periodAt(rule.period, spend.now ?? Date.now());
    const c = this.counters.get(key);
    const used = c && c.periodId === window.id ? c.used : 0;
    if (used + Math.min(spend.amount, rule.limit) > rule.limit) return { allowed: false, used, periodId: window.id, resetAt: window.end };
    this.counters.set(key, { periodId: window.id, used: used + spend.amount });
    return { allowed: true, used: used + spend.amount, periodId: window.id, resetAt: window.end };
  }

  settle(key: string, rule: PeriodRule, spend: PeriodSpend & { readonly periodId: string }): void {
    const current = periodAt(rule.period, spend.now ?? Date.now()).id;
    if (spend.periodId !== current) return;
    const c = this.counters.get(key);
    const used = c && c.periodId === current ? c.used : 0;
    this.counters.set(key, { periodId: current, used: Math.max(0, used + spend.amount) });
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
  private refillTime(b: Bucket, rule: BucketRule, now: number): number {
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
