/**
 * How many gateway replicas share this one's Redis (issue 16): limits that hold per process, such as a remote MCP
 * server's `maxConcurrentRequests`, are split between them so that together they keep the configured total. Each
 * replica renews its own entry in one sorted set (score: when it lapses, by Redis's clock) every few seconds and
 * reads the count of live entries in the same script; a replica that died drops out once its entry lapses. Nothing
 * here is on a request's path: readers take the last count, synchronously.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import { withDeadline } from './deadline.js';
import type { RedisConnection } from './redis-connection.js';

/** The live replica count, kept current. */
export interface ReplicaCount {
  /** Replicas alive now, this one included (at least 1). */
  current(): number;
  /** Calls `listener` with every new count; returns the unsubscribe. */
  watch(listener: (count: number) => void): () => void;
  close(): Promise<void>;
}

/** One process, no Redis: it is the only replica. */
export const SOLE_REPLICA: ReplicaCount = { current: () => 1, watch: () => () => {}, close: async () => {} };

const KEY = 'agate:replicas';
/** How often a replica renews its entry, ms. */
const RENEW_MS = 2_000;
/** How long an entry lives without renewal, ms: three missed renewals. */
const LAPSE_MS = 3 * RENEW_MS;

/** ARGV: this replica's id, its entry's lifetime (ms). Renews the entry, drops lapsed ones, returns the count. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
`;

/**
 * The count from Redis. While Redis does not answer, the last count stays (a replica cannot tell a partition from
 * the others dying; keeping its share is the cautious side for limits that protect upstreams).
 */
export class RedisReplicaCount implements ReplicaCount {
  private readonly id = randomUUID();
  private count = 1;
  private readonly listeners = new Set<(count: number) => void>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  current(): number {
    return this.count;
  }

  watch(listener: (count: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Renews this replica's entry and takes the new count; resolves once Redis answered or the deadline passed. */
  async renew(): Promise<void> {
    if (this.closed || !this.connection.up) return;
    let count: number;
    try {
      count = Number(await withDeadline(this.connection.client.eval(RENEW, 1, KEY, this.id, LAPSE_MS), this.connection.deadlineMs, 'redis replica renewal'));
    } catch (err) {
      this.connection.noteError(err);
      return;
    }
    if (this.closed || !(count >= 1) || count === this.count) return;
    this.log.info({ replicas: count, was: this.count }, 'replicas sharing redis changed: per-process shares of shared limits follow');
    this.count = count;
    for (const listener of this.listeners) listener(count);
  }

  /** Leaves at once (the others see one replica fewer at their next renewal) rather than lapsing. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.listeners.clear();
    if (this.connection.up) await withDeadline(this.connection.client.zrem(KEY, this.id), this.connection.deadlineMs, 'redis replica leave').catch(() => {});
  }
}
