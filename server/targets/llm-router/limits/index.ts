export { llmLimits } from './llm-limits.js';
export { TokenBuckets, type Take } from './token-buckets.js';
