export { bucketRule } from './bucket-rule.js';
export { MemoryRateLimitStore } from './memory-store.js';
export type { BucketRule, OnStoreError, PeriodDecision, PeriodSpend, RateDecision, RateLimitStore, Spend } from './types.js';
export { chargeGuarded, giveSafely, settleSafely, takeGuarded, type GuardedCharge, type GuardedTake, type Refund } from './fail-mode.js';
export { periodAt, type BudgetPeriod, type PeriodRule, type PeriodWindow } from './period.js';
export { RedisRateLimitStore, type RedisStoreHooks } from './redis-store.js';
