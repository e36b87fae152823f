import { GatewayError, errors } from '../errors/index.js';
import { periodAt, type PeriodRule } from './period.js';
import type { BucketRule, OnStoreError, PeriodDecision, RateDecision, RateLimitStore, Spend } from './types.js';

/** One take of a limit that says what to do when the store fails. */
export interface GuardedTake {
  readonly key: string;
  readonly rule: BucketRule;
  readonly spend?: Spend;
  readonly onStoreError: OnStoreError;
  /** What the refusal names (a route, an MCP server's tool limit). */
  readonly subject: string;
}

/**
 * `store.take`, with the limit's fail mode applied when the store throws or rejects (Redis down, past its
 * deadline): `open` admits, `closed` throws 503 GW_ERR_QUOTA_STORE_UNAVAILABLE. Synchronous when the store is,
 * so the in-process fast path allocates nothing more.
 */
export function takeGuarded(store: RateLimitStore, t: GuardedTake): RateDecision | Promise<RateDecision> {
  let decided: RateDecision | Promise<RateDecision>;
  try {
    decided = store.take(t.key, t.rule, t.spend);
  } catch (err) {
    return underFailure(store, { ...t, admitted: () => openTake(t) }, err);
  }
  return decided instanceof Promise ? decided.catch((err: unknown) => underFailure(store, { ...t, admitted: () => openTake(t) }, err)) : decided;
}

/** One give: the bucket, its rule and the amount. */
export interface Refund {
  readonly key: string;
  readonly rule: BucketRule;
  readonly spend: Spend;
}

/** Gives back a reservation; a failing store loses the refund (the bucket refills anyway), never the request. */
export async function giveSafely(store: RateLimitStore, refund: Refund): Promise<void> {
  try {
    await store.give(refund.key, refund.rule, refund.spend);
  } catch {
    // The store's own hooks recorded the error; the answer already went out.
  }
}

/** One budget charge with its fail mode: the counter, its rule, the amount and what a refusal names. */
export interface GuardedCharge {
  readonly key: string;
  readonly rule: PeriodRule;
  readonly amount: number;
  readonly onStoreError: OnStoreError;
  readonly subject: string;
}

/**
 * `store.charge` with the budget's fail mode applied when the store fails, as {@link takeGuarded} does for
 * buckets: `open` admits (charging nothing, so there is nothing to settle: periodId ''), `closed` throws 503.
 */
export async function chargeGuarded(store: RateLimitStore, c: GuardedCharge): Promise<PeriodDecision> {
  try {
    return await store.charge(c.key, c.rule, { amount: c.amount });
  } catch (err) {
    return underFailure(store, { ...c, admitted: () => ({ allowed: true, used: 0, periodId: '', resetAt: periodAt(c.rule.period, Date.now()).end }) }, err);
  }
}

/** Settles a charge (or seeds a counter); a failing store loses the settlement, never the answer already sent. */
export async function settleSafely(store: RateLimitStore, key: string, s: { rule: PeriodRule; amount: number; periodId: string }): Promise<void> {
  if (s.periodId === '' || s.amount === 0) return;
  try {
    await store.settle(key, s.rule, { amount: s.amount, periodId: s.periodId });
  } catch {
    // The store's own hooks recorded the error.
  }
}

/**
 * A limit's decision when its store failed: counted (status, metrics), then `open` admits (`admitted()`), and
 * `closed` refuses with 503 GW_ERR_QUOTA_STORE_UNAVAILABLE naming the limit.
 */
function underFailure<T>(store: RateLimitStore, limit: { onStoreError: OnStoreError; subject: string; admitted: () => T }, err: unknown): T {
  store.decidedUnderFailure?.(limit.onStoreError);
  if (limit.onStoreError === 'open') return limit.admitted();
  throw new GatewayError(errors.GW_ERR_QUOTA_STORE_UNAVAILABLE, [limit.subject], { cause: err, headers: { 'retry-after': '1' } });
}

function openTake(t: GuardedTake): RateDecision {
  return { allowed: true, remaining: t.rule.capacity, resetMs: 0, retryAfterMs: 0 };
}
