import type { BucketSpec } from '../../registry/index.js';
import type { BucketRule } from './types.js';

const INTERVAL_MS = { second: 1_000, minute: 60_000, hour: 3_600_000 } as const;

/**
 * The token-bucket rule of a configured limit (rate-limit.schema.json `bucket`): route limits, MCP tool-call
 * limits and LLM per-minute limits all go through here, so one shape means one refill behaviour.
 */
export function bucketRule(spec: BucketSpec): BucketRule {
  const intervalMs = spec.windowSeconds !== undefined ? spec.windowSeconds * 1000 : INTERVAL_MS[spec.per ?? 'second'];
  return Object.freeze({ tokens: spec.requests, intervalMs, capacity: spec.burst ?? spec.requests });
}
