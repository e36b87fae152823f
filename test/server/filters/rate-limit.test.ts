import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from '../../../server/rate-limit/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure } from '../../helpers/proxy.js';

describe('rate limits', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('u');
    await configure(gw, (r) => {
      r.consumers.store.create({ name: 'alice' }, 'cli');
      r.consumers.store.create({ name: 'bob' }, 'cli');
      keys.alice = r.consumers.issueKey('alice', 'cli').key;
      keys.bob = r.consumers.issueKey('bob', 'cli').key;
      r.routes.create({ name: 'per-route', path: '/route', upstream: upstream.url, rateLimit: { requests: 3, per: 'hour', by: 'route' } }, 'cli');
      r.routes.create({ name: 'per-ip', path: '/ip', upstream: upstream.url, rateLimit: { requests: 2, per: 'minute' } }, 'cli');
      r.routes.create(
        { name: 'per-consumer', path: '/consumer', upstream: upstream.url, auth: {}, rateLimit: { requests: 2, per: 'hour', by: 'consumer' } },
        'cli',
      );
    });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  it.each([
    ['/route', 3],
    ['/ip', 2],
  ])('%s admits %i requests, then answers 429 RL with Retry-After and RateLimit headers', async (path, limit) => {
    for (let i = 0; i < limit; i++) {
      const ok = await fetch(gw.url + path);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-limit')).toBe(String(limit));
      expect(ok.headers.get('ratelimit-remaining')).toBe(String(limit - i - 1));
    }
    const seen = upstream.requests.length;
    const limited = await fetch(gw.url + path);
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe('GW_ERR_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(gw.logs.at(-1)).toMatchObject({ status: 429, flag: 'RL' });
    expect(upstream.requests.length).toBe(seen);
  });

  it('counts each consumer in its own bucket', async () => {
    const as = (c: string) => fetch(`${gw.url}/consumer`, { headers: { 'x-api-key': keys[c]! } });
    expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(429);
    expect((await as('bob')).status).toBe(200);
  });

  it('keeps bucket levels across a snapshot swap', async () => {
    expect((await fetch(`${gw.url}/route`)).status).toBe(429);
    await configure(gw, (r) => r.routes.create({ name: 'unrelated', path: '/unrelated', upstream: upstream.url }, 'cli'));
    expect((await fetch(`${gw.url}/route`)).status).toBe(429);
  });

  it('refills at the configured rate', () => {
    const store = new MemoryRateLimitStore();
    const rule = { tokens: 10, intervalMs: 1000, capacity: 2 };
    expect(store.take('k', rule, { now: 0 }).allowed).toBe(true);
    expect(store.take('k', rule, { now: 0 }).allowed).toBe(true);
    const denied = store.take('k', rule, { now: 0 });
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 100 });
    expect(store.take('k', rule, { now: 99 }).allowed).toBe(false);
    expect(store.take('k', rule, { now: 200 }).allowed).toBe(true);
    // Never above capacity, however long it idles.
    expect(store.take('k', rule, { now: 1_000_000 })).toMatchObject({ allowed: true, remaining: 1 });
  });
});
