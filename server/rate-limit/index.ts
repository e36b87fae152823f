export { MemoryRateLimitStore } from './memory-store.js';
export type { BucketRule, RateDecision, RateLimitStore } from './types.js';
