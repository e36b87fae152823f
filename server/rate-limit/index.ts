export { bucketRule } from './bucket-rule.js';
export { MemoryRateLimitStore } from './memory-store.js';
export type { BucketRule, RateDecision, RateLimitStore, Spend } from './types.js';
