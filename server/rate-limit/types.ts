import type { PeriodRule } from './period.js';

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

/** What one budget charge or settlement moves (tests pass a clock; the Redis store uses its own). */
export interface PeriodSpend {
  /** Units to charge; a settlement's may be negative (a reservation larger than what was used). */
  readonly amount: number;
  /** The caller's clock in milliseconds; `Date.now()` when left out. */
  readonly now?: number;
}

/** The answer to a budget charge. */
export interface PeriodDecision {
  readonly allowed: boolean;
  /** Units spent in the period: after this charge when allowed, before it when refused. */
  readonly used: number;
  /** The period charged (`2026-12-07`, `2026-12`): a settlement names it, so it never lands in the next one. */
  readonly periodId: string;
  /** When the period ends and the budget starts again from zero, epoch milliseconds. */
  readonly resetAt: number;
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
  /**
   * Charges `spend.amount` to budget counter `key` for the current calendar period of `rule` if it fits
   * (spent + min(amount, limit) <= limit: a reservation larger than the whole budget fits an untouched one).
   * A counter from an earlier period counts as zero.
   */
  charge(key: string, rule: PeriodRule, spend: PeriodSpend): PeriodDecision | Promise<PeriodDecision>;
  /**
   * Adds `spend.amount` (negative gives back) to counter `key` if `periodId` is still the current period (never
   * below zero): the settlement of a charge, or the seed of a counter from recorded usage.
   */
  settle(key: string, rule: PeriodRule, spend: PeriodSpend & { readonly periodId: string }): void | Promise<void>;
  /** Told when a limit decided without this store, by its fail mode (a shared store counts them in metrics). */
  decidedUnderFailure?(mode: OnStoreError): void;
}
