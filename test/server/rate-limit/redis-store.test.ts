import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, RedisRateLimitStore, bucketRule, takeGuarded, type BucketRule, type OnStoreError } from '../../../server/rate-limit/index.js';
import { RedisConnection } from '../../../server/shared-state/redis-connection.js';
import { waitFor } from '../../helpers/gateway.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';

// A slow refill (5 an hour): over a test's few milliseconds both stores see the same, untouched levels.
const HOURLY: BucketRule = bucketRule({ requests: 5, per: 'hour' });

describe.skipIf(skipWithoutRedis)('RedisRateLimitStore (a real redis-server)', () => {
  let redis: TestRedis;
  let connection: RedisConnection;
  let store: RedisRateLimitStore;
  let raw: Redis;
  const failures: OnStoreError[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    connection = new RedisConnection({ url: redis.url });
    await connection.ready(5_000);
    store = new RedisRateLimitStore(connection.client, { deadlineMs: connection.deadlineMs, onError: (e) => connection.noteError(e), onDecidedUnderFailure: (m) => failures.push(m) });
    raw = new Redis(redis.url);
    raw.on('error', () => undefined);
  });
  afterAll(async () => {
    raw?.disconnect();
    await connection?.close();
    await redis?.close();
  });

  // The same script of takes and gives against the in-process store and the Redis one: the same answers.
  it.each([
    { name: 'five takes admitted, the sixth refused', ops: [1, 1, 1, 1, 1, 1] },
    { name: 'a give after the limit admits one more', ops: [1, 1, 1, 1, 1, 1, -1, 1, 1] },
    { name: 'an amount of three, then three more refused', ops: [3, 3, 2] },
    { name: 'an amount larger than the capacity is admitted against a full bucket', ops: [9, 1] },
    { name: 'a negative give charges more', ops: [-(-2), 1, 1, 1, 1] },
  ])('agrees with the in-process store: $name', async ({ ops }) => {
    const memory = new MemoryRateLimitStore();
    const key = `agree:${Math.random()}`;
    const seen: Array<[boolean, boolean]> = [];
    for (const op of ops) {
      if (op > 0) {
        const m = memory.take(key, HOURLY, { amount: op });
        const r = await store.take(key, HOURLY, { amount: op });
        seen.push([m.allowed, r.allowed]);
        expect(r.remaining).toBe(m.remaining);
      } else {
        memory.give(key, HOURLY, { amount: -op });
        await store.give(key, HOURLY, { amount: -op });
      }
    }
    for (const [m, r] of seen) expect(r).toBe(m);
  });

  it('keeps two consumers apart: each gets its own limit, no leak', async () => {
    const alice = await Promise.all(Array.from({ length: 8 }, () => store.take('leak\0alice', HOURLY)));
    const bob = await Promise.all(Array.from({ length: 8 }, () => store.take('leak\0bob', HOURLY)));
    expect(alice.filter((d) => d.allowed)).toHaveLength(5);
    expect(bob.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('admits exactly the capacity out of 300 concurrent takes from three connections', async () => {
    const connections = [new RedisConnection({ url: redis.url }), new RedisConnection({ url: redis.url })];
    for (const c of connections) await c.ready(5_000);
    const stores = [store, ...connections.map((c) => new RedisRateLimitStore(c.client))];
    const rule = bucketRule({ requests: 20, windowSeconds: 3600 });
    const all = await Promise.all(Array.from({ length: 300 }, (_, i) => stores[i % 3]!.take('burst', rule)));
    expect(all.filter((d) => d.allowed)).toHaveLength(20);
    for (const c of connections) await c.close();
  });

  it("uses Redis's clock, not the caller's: a caller claiming to be an hour later gets no refill", async () => {
    for (let i = 0; i < 5; i++) await store.take('clock', HOURLY, { now: Date.now() });
    const later = await store.take('clock', HOURLY, { now: Date.now() + 3_600_000 });
    expect(later.allowed).toBe(false);
  });

  it('lets a bucket key expire when it would be full again, and deletes it once given back to full', async () => {
    const fast = bucketRule({ requests: 10, per: 'second' });
    await store.take('expiry', fast);
    const ttl = await raw.pttl('agate:rl:expiry');
    // One token at 10 a second refills in 100 ms.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
    await store.take('given', HOURLY);
    expect(await raw.exists('agate:rl:given')).toBe(1);
    await store.give('given', HOURLY, { amount: 1 });
    expect(await raw.exists('agate:rl:given')).toBe(0);
  });

  it('rejects within the command deadline while Redis hangs, and the fail mode decides', async () => {
    redis.pause();
    try {
      const started = performance.now();
      await expect(store.take('hung', HOURLY)).rejects.toThrow();
      const waited = performance.now() - started;
      expect(waited).toBeLessThan(300);
      const open = await takeGuarded(store, { key: 'hung', rule: HOURLY, onStoreError: 'open', subject: 'route r' });
      expect(open.allowed).toBe(true);
      const closed = await Promise.resolve(takeGuarded(store, { key: 'hung', rule: HOURLY, onStoreError: 'closed', subject: 'route r' })).catch((e: unknown) => e);
      expect(closed).toMatchObject({ code: 'GW_ERR_QUOTA_STORE_UNAVAILABLE', status: 503, flag: 'RLSE' });
      expect(failures).toEqual(['open', 'closed']);
      expect(connection.health().lastError).toMatch(/timed out/i);
    } finally {
      redis.resume();
    }
  });

  it('recovers after a restart that lost everything (the scripts are sent again)', async () => {
    await redis.stop();
    await waitFor(() => !connection.up, 'the connection to notice Redis is gone');
    const started = performance.now();
    await expect(store.take('restart', HOURLY)).rejects.toThrow();
    // No offline queue: refused at once, not after a timeout.
    expect(performance.now() - started).toBeLessThan(50);
    expect(connection.health().state).toBe('down');
    await redis.restart();
    await waitFor(() => connection.up, 'the connection to come back by itself', 10_000);
    const d = await store.take('restart', HOURLY);
    expect(d).toMatchObject({ allowed: true, remaining: 4 });
  });
});
