/** A bucket's refill rule: `tokens` per `intervalMs`, holding at most `capacity`. */
export interface BucketRule {
  readonly tokens: number;
  readonly intervalMs: number;
  readonly capacity: number;
}

/** The answer for one request. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
  /** Milliseconds until one token is available (0 when allowed). */
  readonly retryAfterMs: number;
}

/**
 * Where buckets live. The in-process store is the default; a shared store (Redis with a Lua script)
 * implements the same method, so filters never change. May answer synchronously or with a promise.
 */
export interface RateLimitStore {
  take(key: string, rule: BucketRule, now: number): RateDecision | Promise<RateDecision>;
}
