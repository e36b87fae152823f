// The budget counters of the one quota store: calendar periods in UTC, charge and settle, the same answers in
// process and in Redis (whose Lua script computes the period from Redis's own clock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, RedisRateLimitStore, periodAt, type BudgetPeriod } from '../../../server/rate-limit/index.js';
import { RedisConnection } from '../../../server/shared-state/redis-connection.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';

describe('budget periods (UTC calendar)', () => {
  // Expected ends written out by hand: month lengths, leap years, the year's turn.
  it.each([
    { period: 'day', at: '2026-12-07T23:59:59.999Z', id: '2026-12-07', end: '2026-12-08T00:00:00.000Z' },
    { period: 'day', at: '2026-12-08T00:00:00.000Z', id: '2026-12-08', end: '2026-12-09T00:00:00.000Z' },
    { period: 'month', at: '2026-12-31T12:00:00.000Z', id: '2026-12', end: '2027-01-01T00:00:00.000Z' },
    { period: 'month', at: '2028-02-29T23:00:00.000Z', id: '2028-02', end: '2028-03-01T00:00:00.000Z' },
    { period: 'month', at: '2027-02-01T00:00:00.000Z', id: '2027-02', end: '2027-03-01T00:00:00.000Z' },
  ] as const)('$period at $at is $id, ending $end', ({ period, at, id, end }) => {
    const w = periodAt(period, Date.parse(at));
    expect(w.id).toBe(id);
    expect(new Date(w.end).toISOString()).toBe(end);
  });

  it('a counter starts from zero in the next period; a settlement for the old one is dropped', () => {
    const store = new MemoryRateLimitStore();
    const rule = { limit: 100, period: 'day' as const };
    const day1 = Date.parse('2026-12-07T23:00:00Z');
    const day2 = Date.parse('2026-12-08T00:00:01Z');
    expect(store.charge('k', rule, { amount: 90, now: day1 })).toMatchObject({ allowed: true, used: 90, periodId: '2026-12-07' });
    expect(store.charge('k', rule, { amount: 20, now: day1 })).toMatchObject({ allowed: false, used: 90 });
    expect(store.charge('k', rule, { amount: 20, now: day2 })).toMatchObject({ allowed: true, used: 20, periodId: '2026-12-08' });
    store.settle('k', rule, { amount: -90, periodId: '2026-12-07', now: day2 });
    expect(store.charge('k', rule, { amount: 0, now: day2 }).used).toBe(20);
  });
});

describe.skipIf(skipWithoutRedis)('budget counters in Redis (a real redis-server)', () => {
  let redis: TestRedis;
  let connection: RedisConnection;
  let store: RedisRateLimitStore;

  beforeAll(async () => {
    redis = await startTestRedis();
    connection = new RedisConnection({ url: redis.url });
    await connection.ready(5_000);
    store = new RedisRateLimitStore(connection.client, { deadlineMs: 1_000 });
  });
  afterAll(async () => {
    await connection?.close();
    await redis?.close();
  });

  it.each(['day', 'month'] as BudgetPeriod[])("the Lua script's %s (from Redis TIME) is the one periodAt computes", async (period) => {
    const d = await store.charge(`p-${period}`, { limit: 10, period }, { amount: 1 });
    const w = periodAt(period, Date.now());
    expect(d.periodId).toBe(w.id);
    expect(d.resetAt).toBe(w.end);
  });

  // The same charges and settlements against both stores: the same answers.
  it.each([
    { name: 'charges up to the limit, then refused', ops: [['c', 40], ['c', 40], ['c', 40]] },
    { name: 'a settlement gives back, and another charge fits', ops: [['c', 60], ['c', 60], ['s', -30], ['c', 60]] },
    { name: 'a reservation larger than the budget fits an untouched counter only', ops: [['c', 500], ['c', 1]] },
    { name: 'fractions of a dollar add up exactly enough', ops: [['c', 0.3], ['s', -0.1], ['c', 0.75], ['c', 0.01]] },
    { name: 'never below zero', ops: [['c', 10], ['s', -50], ['c', 100]] },
  ] as const)('agrees with the in-process store: $name', async ({ name, ops }) => {
    const memory = new MemoryRateLimitStore();
    const rule = { limit: 100, period: 'day' as const };
    const scale = name.startsWith('fractions') ? { ...rule, limit: 1 } : rule;
    const key = `agree-${name}`;
    const answers: Array<[unknown, unknown]> = [];
    for (const [op, amount] of ops) {
      if (op === 'c') {
        const a = memory.charge(key, scale, { amount });
        const b = await store.charge(key, scale, { amount });
        answers.push([[a.allowed, a.used.toFixed(9)], [b.allowed, b.used.toFixed(9)]]);
      } else {
        const periodId = periodAt('day', Date.now()).id;
        memory.settle(key, scale, { amount, periodId });
        await store.settle(key, scale, { amount, periodId });
      }
    }
    for (const [a, b] of answers) expect(b).toEqual(a);
  });
});
