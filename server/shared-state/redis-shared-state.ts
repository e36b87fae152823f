import { RedisRateLimitStore, type OnStoreError } from '../rate-limit/index.js';
import { RedisKeyShare } from './key-share.js';
import { RedisConnection } from './redis-connection.js';
import { FIRST_CONNECT_WAIT_MS } from './redis-ready.js';
import { RedisReplicaCount } from './replica-count.js';
import type { SharedState, SharedStateOptions } from './types.js';

/** How long a start waits for Redis before serving anyway (limits follow their fail modes until it answers). */

/**
 * Redis-backed state once the first connection is up (or the wait is over). Its own module, imported only with
 * `--redis`: ioredis is resident memory an in-process gateway would never use (docs/benchmarks.md, "Idle memory").
 */
export async function openRedisSharedState(o: SharedStateOptions & { redisUrl: string }): Promise<SharedState> {
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
