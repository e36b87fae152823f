/** A bucket's refill rule: `tokens` per `intervalMs`, holding at most `capacity`. */
export interface BucketRule {
  readonly tokens: number;
  readonly intervalMs: number;
  readonly capacity: number;
}

/** How much one `take` or `give` moves, and when (tests pass a clock; a shared store may use its own). */
export interface Spend {
  /** Units to take or give back; 1 when left out. A `give` of a negative amount charges more. */
  readonly amount?: number;
  /** The caller's clock in milliseconds; `Date.now()` when left out. */
  readonly now?: number;
}

/**
 * What a limit does when its store cannot answer (Redis down or slower than its deadline): `closed` refuses
 * (503 GW_ERR_QUOTA_STORE_UNAVAILABLE), `open` admits as if unlimited.
 */
export type OnStoreError = 'closed' | 'open';

/** The answer for one request. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
  /** Milliseconds until the amount fits (0 when allowed). */
  readonly retryAfterMs: number;
}

/**
 * The one quota store (design.md §9): token buckets keyed by string, spent by `take` and refunded by `give`, so
 * a caller can reserve up front and settle to what was really used (LLM tokens per minute). Route limits, MCP
 * tool-call limits and LLM RPM/TPM all spend it. The in-process store answers synchronously; a shared store
 * (Redis with a Lua script) answers with promises, so every caller awaits both methods. Both methods carry the
 * rule, so a store needs no memory of it beyond the bucket's level.
 */
export interface RateLimitStore {
  /**
   * Takes `spend.amount` from bucket `key` if it holds that much. An amount larger than the whole capacity is
   * admitted against a full bucket (driving it below zero), so a big request is slow rather than impossible.
   */
  take(key: string, rule: BucketRule, spend?: Spend): RateDecision | Promise<RateDecision>;
  /** Gives `spend.amount` back to bucket `key` (never above capacity): the settlement of a reservation. */
  give(key: string, rule: BucketRule, spend: Spend): void | Promise<void>;
  /** Told when a limit decided without this store, by its fail mode (a shared store counts them in metrics). */
  decidedUnderFailure?(mode: OnStoreError): void;
}
