import type { RedisHealth } from '../../registry/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import { MemoryRateLimitStore, RedisRateLimitStore, type OnStoreError, type RateLimitStore } from '../rate-limit/index.js';
import { LocalKeyShare, RedisKeyShare, type KeyShare } from './key-share.js';
import { RedisConnection } from './redis-connection.js';
import { RedisReplicaCount, SOLE_REPLICA, type ReplicaCount } from './replica-count.js';

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

/** How long a start waits for Redis before serving anyway (limits follow their fail modes until it answers). */
const FIRST_CONNECT_WAIT_MS = 2_000;

/** The in-process state, or Redis-backed state once the first connection is up (or the wait is over). */
export async function openSharedState(o: SharedStateOptions): Promise<SharedState> {
  if (!o.redisUrl) {
    const keyShare = new LocalKeyShare();
    return { rateLimits: o.rateLimitStore ?? new MemoryRateLimitStore(), keyShare, replicas: SOLE_REPLICA, health: () => undefined, close: async () => keyShare.close() };
  }
  const { metrics, log } = o;
  metrics.registry.registerMetric(metrics.redisUp);
  metrics.registry.registerMetric(metrics.quotaDecisionsUnderFailure);
  metrics.redisUp.set(0);
  const connection = new RedisConnection({ url: o.redisUrl, commandTimeoutMs: o.commandTimeoutMs, log, onUp: (up) => metrics.redisUp.set(up ? 1 : 0) });
  const decided = { closed: 0, open: 0 };
  const rateLimits = new RedisRateLimitStore(connection.client, {
    deadlineMs: connection.deadlineMs,
    onError: (err) => connection.noteError(err),
    onDecidedUnderFailure: (mode: OnStoreError) => {
      decided[mode]++;
      metrics.quotaDecisionsUnderFailure.inc({ mode });
    },
  });
  const keyShare = new RedisKeyShare(connection, log);
  const replicas = new RedisReplicaCount(connection, log);
  if (await connection.ready(FIRST_CONNECT_WAIT_MS)) {
    // Keys other replicas ejected before this one started are skipped from its first request on; shares of
    // shared limits start from the replicas already there.
    await Promise.all([keyShare.ready(FIRST_CONNECT_WAIT_MS), replicas.renew()]);
  } else {
    log.warn({ redis: connection.health().url }, 'redis: not reachable at start; serving anyway, limits follow their onStoreError mode until it answers');
  }
  return {
    rateLimits: o.rateLimitStore ?? rateLimits,
    keyShare,
    replicas,
    redis: connection,
    health: () => ({ ...connection.health(), decidedUnderFailure: { ...decided }, replicas: replicas.current() }),
    close: async () => {
      keyShare.close();
      await replicas.close();
      await connection.close();
    },
  };
}
