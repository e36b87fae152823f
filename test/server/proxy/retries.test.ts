import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { closedPort, configure, resetConfig, startChaos, type ChaosServer } from '../../helpers/proxy.js';

describe('retries', () => {
  let gw: TestGateway;
  let good: LoopbackUpstream;
  let flaky: LoopbackUpstream;
  let flakyFailures = 0;
  let resetting: ChaosServer;
  let dead: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    good = await startUpstream('good');
    // Answers 503 `flakyFailures` times, then 200.
    flaky = await startUpstream('flaky', (_req, res) => {
      if (flakyFailures-- > 0) {
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200).end('ok');
    });
    resetting = await startChaos((s: Socket) => s.once('data', () => s.resetAndDestroy()));
    dead = `http://127.0.0.1:${await closedPort()}`;
  });
  afterAll(async () => {
    await gw.stop();
    await good.close();
    await flaky.close();
    await resetting.close();
  });

  async function setup(targets: string[], retries: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create({ name: 'pool', targets: targets.map((url) => ({ url })) }, 'cli');
      r.routes.create({ name: 'r', path: '/r', upstream: 'pool', retries, ...extra }, 'cli');
    });
  }

  it.each([
    ['GET', undefined],
    ['POST', 'a replayable body'],
  ])('a connect failure is retried on the next target (%s)', async (method, body) => {
    await setup([dead, good.url], { attempts: 1, on: ['connect-failure'] });
    good.requests.length = 0;
    // Round-robin starts with the dead target; the retry reaches the good one.
    const res = await fetch(`${gw.url}/r/x`, { method, body });
    expect(res.status).toBe(200);
    expect(good.requests).toHaveLength(1);
    expect(good.requests[0]!.body).toBe(body ?? '');
  });

  it('a reset is retried for GET but not for POST', async () => {
    await setup([resetting.url, good.url], { attempts: 1, on: ['reset'] });
    good.requests.length = 0;
    expect((await fetch(`${gw.url}/r/x`)).status).toBe(200);
    expect(good.requests).toHaveLength(1);
    const post = await fetch(`${gw.url}/r/x`, { method: 'POST', body: 'not idempotent' });
    expect(post.status).toBe(502);
    expect((await post.json()).error.code).toBe('GW_ERR_UPSTREAM_RESET');
  });

  it('retries on configured statuses and passes the final answer through', async () => {
    await setup([flaky.url], { attempts: 2, on: ['statuses'], statuses: [503] });
    flakyFailures = 2;
    const res = await fetch(`${gw.url}/r/x`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    flakyFailures = 5;
    const exhausted = await fetch(`${gw.url}/r/x`);
    expect(exhausted.status).toBe(503);
    flakyFailures = 0;
  });

  it('exhausted retries → 502 URX', async () => {
    await setup([dead], { attempts: 2, on: ['connect-failure'] });
    const res = await fetch(`${gw.url}/r/x`);
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('GW_ERR_RETRIES_EXHAUSTED');
    expect(gw.logs.at(-1)).toMatchObject({ flag: 'URX' });
  });

  it('the per-try timeout moves a request off a black hole', async () => {
    const hole = await startChaos(() => undefined);
    try {
      await setup([hole.url, good.url], { attempts: 1, on: ['timeout'], perTryTimeoutMs: 200 });
      const started = Date.now();
      const res = await fetch(`${gw.url}/r/x`);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await hole.close();
    }
  });

  it('the retry budget stops retries from multiplying load during an outage', async () => {
    await setup([dead], { attempts: 3, on: ['connect-failure'], budgetPercent: 0, minRetriesPerSecond: 1 });
    // Budget: 1/s × 10 s window = 10 retries; 20 failing requests would want 60.
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push((await (await fetch(`${gw.url}/r/x`)).json()).error.code);
    const withRetries = codes.filter((c) => c === 'GW_ERR_RETRIES_EXHAUSTED').length;
    expect(withRetries).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 'GW_ERR_UPSTREAM_CONNECT').length).toBeGreaterThan(10);
    expect(withRetries).toBeLessThanOrEqual(10);
  });
});
