/**
 * Per-minute token buckets, kept outside snapshots so a reload does not hand everyone a fresh minute.
 * A bucket holds up to `perMinute` units and refills continuously at perMinute/60 s.
 */

interface Bucket {
  capacity: number;
  tokens: number;
  at: number;
}

/** Admission result: ok, or how long until the amount fits. */
export type Take = { ok: true; remaining: number } | { ok: false; retryAfterMs: number; remaining: number };

/** Sweep full, idle buckets once the map grows past this, so one-off consumers do not pile up. */
const SWEEP_AT = 10_000;

/** A set of named buckets. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * Takes `amount` from bucket `id` if it holds that much. An amount larger than the whole limit is admitted
   * against a full bucket (and drives it negative), so a big request is slow rather than impossible.
   */
  take(id: string, perMinute: number, amount: number, now = Date.now()): Take {
    const b = this.refill(id, perMinute, now);
    const need = Math.min(amount, b.capacity);
    if (b.tokens >= need) {
      b.tokens -= amount;
      return { ok: true, remaining: Math.max(0, Math.floor(b.tokens)) };
    }
    const rate = b.capacity / 60_000;
    return { ok: false, retryAfterMs: Math.ceil((need - b.tokens) / rate), remaining: Math.max(0, Math.floor(b.tokens)) };
  }

  /** Gives back `amount` (negative charges more): the settlement of a reservation against real usage. */
  give(id: string, amount: number, now = Date.now()): void {
    const b = this.buckets.get(id);
    if (!b) return;
    this.refillBucket(b, now);
    b.tokens = Math.min(b.capacity, b.tokens + amount);
  }

  private refill(id: string, perMinute: number, now: number): Bucket {
    let b = this.buckets.get(id);
    if (!b) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      b = { capacity: perMinute, tokens: perMinute, at: now };
      this.buckets.set(id, b);
      return b;
    }
    // A changed limit takes effect at once, keeping what was already spent.
    if (b.capacity !== perMinute) {
      b.tokens = Math.min(perMinute, b.tokens + (perMinute - b.capacity));
      b.capacity = perMinute;
    }
    this.refillBucket(b, now);
    return b;
  }

  private refillBucket(b: Bucket, now: number): void {
    const elapsed = now - b.at;
    if (elapsed > 0) b.tokens = Math.min(b.capacity, b.tokens + (elapsed * b.capacity) / 60_000);
    b.at = now;
  }

  private sweep(now: number): void {
    for (const [id, b] of this.buckets) {
      this.refillBucket(b, now);
      if (b.tokens >= b.capacity) this.buckets.delete(id);
    }
  }
}
