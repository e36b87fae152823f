import type { RedisHealth } from '../../registry/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { RateLimitStore } from '../rate-limit/index.js';
import type { KeyShare } from './key-share.js';
import type { RedisConnection } from './redis-connection.js';
import type { ReplicaCount } from './replica-count.js';

/**
 * Everything a gateway keeps that replicas must agree on, behind small interfaces (design.md §9): the quota
 * store and LLM key health. In process by default; in Redis with `agate serve --redis URL` (AGATE_REDIS_URL).
 */
export interface SharedState {
  /** The one quota store: route rates, MCP tool-call limits, LLM requests and tokens per minute. */
  readonly rateLimits: RateLimitStore;
  /** LLM provider keys ejected by any replica. */
  readonly keyShare: KeyShare;
  /** How many replicas share the Redis: per-process limits (a remote MCP server's request gate) are split by it. */
  readonly replicas: ReplicaCount;
  /** The one Redis connection, for other shared stores (MCP sessions); undefined in process. */
  readonly redis?: RedisConnection;
  /** The Redis connection's health for status; undefined in process. */
  health(): RedisHealth | undefined;
  close(): Promise<void>;
}

/** What the shared state is built from. */
export interface SharedStateOptions {
  /** Redis URL; in process when absent. */
  redisUrl?: string;
  /** Redis command deadline, ms (default 100). */
  commandTimeoutMs?: number;
  /** A quota store to use instead of the in-process or Redis one (tests). */
  rateLimitStore?: RateLimitStore;
  log: Logger;
  metrics: GatewayMetrics;
}

