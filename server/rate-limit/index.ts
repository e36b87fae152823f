export { bucketRule } from './bucket-rule.js';
export { MemoryRateLimitStore } from './memory-store.js';
export type { BucketRule, OnStoreError, RateDecision, RateLimitStore, Spend } from './types.js';
export { giveSafely, takeGuarded, type GuardedTake, type Refund } from './fail-mode.js';
export { RedisRateLimitStore, type RedisStoreHooks } from './redis-store.js';
