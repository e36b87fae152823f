import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from '../../../server/rate-limit/index.js';

const HOUR = 3_600_000;
const at = (now: number, amount?: number) => ({ now, amount });

describe('MemoryRateLimitStore', () => {
  it('refills evenly: capacity at once, then one token per interval/tokens', () => {
    const store = new MemoryRateLimitStore();
    const rule = { tokens: 2, intervalMs: 1000, capacity: 2 };
    expect(store.take('k', rule, at(0)).allowed).toBe(true);
    expect(store.take('k', rule, at(0)).allowed).toBe(true);
    expect(store.take('k', rule, at(0))).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(store.take('k', rule, at(500)).allowed).toBe(true);
  });

  // MCP tool-call limits have windows up to a day (mcp-server.schema.json). Forgetting such a bucket after an idle
  // hour, as if it were full, would hand its consumer a fresh day's allowance.
  it('never forgets a bucket that is not full again, whatever rule the sweeping request has', () => {
    const store = new MemoryRateLimitStore();
    const daily = { tokens: 1, intervalMs: 24 * HOUR, capacity: 1 };
    const secondly = { tokens: 10, intervalMs: 1000, capacity: 10 };
    expect(store.take('daily', daily, at(0)).allowed).toBe(true);
    // Enough other traffic two hours later to run the periodic sweep several times over.
    for (let i = 0; i < 30_000; i++) store.take(`other-${i % 100}`, secondly, at(2 * HOUR));
    expect(store.take('daily', daily, at(2 * HOUR))).toMatchObject({ allowed: false });
    expect(store.take('daily', daily, at(24 * HOUR)).allowed).toBe(true);
  });

  it('forgets buckets once they are full again (memory stays bounded)', () => {
    const store = new MemoryRateLimitStore();
    const rule = { tokens: 10, intervalMs: 1000, capacity: 10 };
    for (let i = 0; i < 5_000; i++) store.take(`ip-${i}`, rule, at(0));
    for (let i = 0; i < 10_000; i++) store.take('busy', rule, at(10 * HOUR + i));
    expect(store.size).toBeLessThan(10);
  });

  // Tokens per minute: 600/min is one token per 100 ms.
  const perMinute = { tokens: 600, intervalMs: 60_000, capacity: 600 };

  it('takes an amount, and says how long until the amount fits', () => {
    const store = new MemoryRateLimitStore();
    expect(store.take('t', perMinute, at(0, 500))).toMatchObject({ allowed: true, remaining: 100, resetMs: 50_000 });
    // 200 needed, 100 held: 100 more tokens at 100 ms each.
    expect(store.take('t', perMinute, at(0, 200))).toMatchObject({ allowed: false, remaining: 100, retryAfterMs: 10_000 });
    expect(store.take('t', perMinute, at(10_000, 200))).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('admits an amount above capacity against a full bucket only, and then owes it', () => {
    const store = new MemoryRateLimitStore();
    expect(store.take('big', perMinute, at(0, 900))).toMatchObject({ allowed: true, remaining: 0 });
    // 300 owed: the bucket holds one token again after 301 tokens' time.
    expect(store.take('big', perMinute, at(0, 1))).toMatchObject({ allowed: false, retryAfterMs: 30_100 });
    expect(store.take('big', perMinute, at(30_100, 1)).allowed).toBe(true);
  });

  it('give settles a reservation: back what was not used, never above capacity; a negative give charges', () => {
    const store = new MemoryRateLimitStore();
    store.take('r', perMinute, at(0, 400));
    store.give('r', perMinute, at(0, 300));
    expect(store.take('r', perMinute, at(0, 500))).toMatchObject({ allowed: true, remaining: 0 });
    store.give('r', perMinute, at(0, 10_000));
    expect(store.take('r', perMinute, at(0, 0))).toMatchObject({ remaining: 600 });
    store.give('r', perMinute, at(0, -550));
    expect(store.take('r', perMinute, at(0, 100))).toMatchObject({ allowed: false, remaining: 50 });
  });

  it('a changed capacity takes effect at once, keeping what was already spent', () => {
    const store = new MemoryRateLimitStore();
    store.take('c', perMinute, at(0, 500));
    const doubled = { tokens: 1200, intervalMs: 60_000, capacity: 1200 };
    expect(store.take('c', doubled, at(0, 0))).toMatchObject({ remaining: 700 });
    expect(store.take('c', perMinute, at(0, 0))).toMatchObject({ remaining: 100 });
  });

  it('keys share nothing: one key spent out leaves every other key full', () => {
    const store = new MemoryRateLimitStore();
    const rule = { tokens: 1, intervalMs: 1000, capacity: 1 };
    expect(store.take('alice', rule, at(0)).allowed).toBe(true);
    expect(store.take('alice', rule, at(0)).allowed).toBe(false);
    store.give('bob', rule, at(0, -1));
    expect(store.take('alice', rule, at(0)).allowed).toBe(false);
    expect(store.take('carol', rule, at(0)).allowed).toBe(true);
  });
});
