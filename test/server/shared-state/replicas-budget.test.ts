// Budgets on three gateway processes sharing one Redis: the counters live in Redis (atomic Lua, Redis's clock),
// so 50 concurrent streams overshoot a budget by at most one reservation, a restarted replica finds the budget
// spent, and with Redis stopped a budget fails closed (503 GW_ERR_QUOTA_STORE_UNAVAILABLE, counted in status)
// unless its route says open.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/gateway.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startReplicas, stopReplicas } from '../../helpers/replicas.js';
import type { ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { json, oaChunk, openAiCompletion, sse, startFake, type FakeProvider } from '../llm/fakes.js';

const LIMIT = 2000;
const MAX_TOKENS = 100;
const USAGE = { prompt_tokens: 10, completion_tokens: 95, total_tokens: 105 };

function chat(replica: ServeProcess, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The total_tokens the provider reported in one streamed answer (0 if none). */
function reported(text: string): number {
  const usage = text.split('\n\n').map((e) => e.slice(6)).filter((d) => d.includes('"usage":{'));
  return usage.length ? (JSON.parse(usage[0]!).usage.total_tokens as number) : 0;
}

describe.skipIf(skipWithoutRedis)('LLM budgets across gateway processes on one Redis', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestRedis;
  let provider: FakeProvider;
  let replicas: ServeProcess[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    // A slow stream (5 chunks, 20 ms apart) reporting its usage, so all 50 requests are in flight together.
    provider = await startFake('p', (c, res) => {
      const model = String(c.body.model);
      if (!c.body.stream) return json(res, 200, openAiCompletion(model, 'ok', USAGE));
      sse(res);
      let i = 0;
      const timer = setInterval(() => {
        if (i++ < 5) return void res.write(oaChunk(model, { content: 'w' }));
        clearInterval(timer);
        res.write(oaChunk(model, {}, 'stop'));
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: USAGE })}\n\n`);
        res.end('data: [DONE]\n\n');
      }, 20);
    });
    const r = Registry.open(db);
    r.secrets.put('p-key', 'sk', 'cli');
    r.llmProviders.create({ name: 'p', type: 'openai', baseUrl: `${provider.url}/v1`, keySecrets: ['p-key'] }, 'cli');
    r.llmRoutes.create({ name: 'shared', model: 'shared-model', targets: [{ provider: 'p' }], budget: { period: 'day', tokens: LIMIT }, limitPer: 'route' }, 'cli');
    const open = { period: 'month', tokens: 1_000_000 };
    r.llmRoutes.create({ name: 'open', model: 'open-model', targets: [{ provider: 'p' }], budget: open, limitPer: 'route', limitsOnStoreError: 'open' }, 'cli');
    r.close();
    replicas = await startReplicas(db, 3, redis.url);
  }, 180_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    await provider?.close();
    await redis?.close();
    cleanup();
  });

  const stream = { model: 'shared-model', stream: true, stream_options: { include_usage: true }, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] };

  it('50 concurrent streams over three replicas overshoot the budget by at most one reservation', async () => {
    const one = async (i: number) => {
      const res = await chat(replicas[i % 3]!, stream);
      return { status: res.status, text: await res.text() };
    };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(ok.length + refused.length).toBe(50);
    expect(JSON.parse(refused[0]!.text)).toMatchObject({ error: { code: 'GW_ERR_LLM_BUDGET_EXCEEDED' } });
    // What the provider reported as used, summed over the admitted streams (its own count, not agate's).
    const spent = ok.reduce((sum, r) => sum + reported(r.text), 0);
    // One reservation: max_tokens plus the prompt estimate of 'hi' (a few framing tokens; 20 is generous).
    const reservation = MAX_TOKENS + 20;
    expect(spent).toBeLessThanOrEqual(LIMIT + reservation);
    // Settlement hands back what a reservation did not use: more calls fit than reservations would allow.
    expect(ok.length).toBeGreaterThanOrEqual(Math.floor(LIMIT / reservation));
  }, 60_000);

  it('a replica started after the budget was spent refuses too: the counter is in Redis, not in the process', async () => {
    // Settled, the burst may have left room for one more reservation: spend it, one call at a time.
    let last = 0;
    for (let i = 0; i < 5 && last !== 429; i++) {
      const res = await chat(replicas[1]!, stream);
      last = res.status;
      await res.text();
    }
    expect(last).toBe(429);
    await replicas[0]!.stop();
    replicas[0] = (await startReplicas(db, 1, redis.url))[0]!;
    const res = await chat(replicas[0]!, stream);
    expect(res.status).toBe(429);
    expect((await res.json()) as unknown).toMatchObject({ error: { code: 'GW_ERR_LLM_BUDGET_EXCEEDED' } });
    // What is left is less than one reservation (it was not handed a fresh budget).
    expect(res.headers.get('x-budget-limit-tokens')).toBe(String(LIMIT));
    expect(Number(res.headers.get('x-budget-remaining-tokens'))).toBeLessThan(MAX_TOKENS + 20);
  }, 120_000);

  it('Redis stopped: a budget fails closed with 503 at once, a route that says open admits; status counts it', async () => {
    await redis.stop();
    const started = Date.now();
    const res = await chat(replicas[1]!, { ...stream, stream: false });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(503);
    expect((await res.json()) as unknown).toMatchObject({ error: { code: 'GW_ERR_QUOTA_STORE_UNAVAILABLE' } });
    const open = await chat(replicas[1]!, { model: 'open-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(open.status).toBe(200);
    await waitFor(async () => {
      const { stdout } = await runCli(['status', '--json'], db);
      const s = JSON.parse(stdout) as { gateways: Array<{ backendHealth: { redis?: { decidedUnderFailure: { closed: number; open: number } } } }> };
      const sum = (mode: 'closed' | 'open') => s.gateways.reduce((n, g) => n + (g.backendHealth.redis?.decidedUnderFailure[mode] ?? 0), 0);
      return sum('closed') >= 1 && sum('open') >= 1;
    }, 'status to count the closed and the open decision', 10_000);
    const text = (await runCli(['status'], db)).stdout;
    expect(text).toContain('llm-route shared budget: closed (default)');
    expect(text).toContain('llm-route open budget: open');
  }, 60_000);
});
