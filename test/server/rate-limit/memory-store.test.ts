import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from '../../../server/rate-limit/index.js';

const HOUR = 3_600_000;

describe('MemoryRateLimitStore', () => {
  it('refills evenly: capacity at once, then one token per interval/tokens', () => {
    const store = new MemoryRateLimitStore();
    const rule = { tokens: 2, intervalMs: 1000, capacity: 2 };
    expect(store.take('k', rule, 0).allowed).toBe(true);
    expect(store.take('k', rule, 0).allowed).toBe(true);
    expect(store.take('k', rule, 0)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(store.take('k', rule, 500).allowed).toBe(true);
  });

  // MCP tool-call limits have windows up to a day (mcp-server.schema.json). Forgetting such a bucket after an idle
  // hour, as if it were full, would hand its consumer a fresh day's allowance.
  it('never forgets a bucket that is not full again, whatever rule the sweeping request has', () => {
    const store = new MemoryRateLimitStore();
    const daily = { tokens: 1, intervalMs: 24 * HOUR, capacity: 1 };
    const secondly = { tokens: 10, intervalMs: 1000, capacity: 10 };
    expect(store.take('daily', daily, 0).allowed).toBe(true);
    // Enough other traffic two hours later to run the periodic sweep several times over.
    for (let i = 0; i < 30_000; i++) store.take(`other-${i % 100}`, secondly, 2 * HOUR);
    expect(store.take('daily', daily, 2 * HOUR)).toMatchObject({ allowed: false });
    expect(store.take('daily', daily, 24 * HOUR).allowed).toBe(true);
  });

  it('forgets buckets once they are full again (memory stays bounded)', () => {
    const store = new MemoryRateLimitStore();
    const rule = { tokens: 10, intervalMs: 1000, capacity: 10 };
    for (let i = 0; i < 5_000; i++) store.take(`ip-${i}`, rule, 0);
    for (let i = 0; i < 10_000; i++) store.take('busy', rule, 10 * HOUR + i);
    expect(store.size).toBeLessThan(10);
  });
});
