// LLM budgets on one gateway (the in-process store): tokens and USD per consumer per calendar day or month in
// UTC, reserved before the call and settled to the provider's reported usage after, two consumers at once.
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { json, openAiCompletion, openAiStream, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
/** What the fake provider reports for every call (its own count; the gateway must settle to it). */
const USAGE = { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 };
/** Prices of model priced-model, USD per 1M tokens: 100 prompt + 100 completion tokens cost 0.1 + 0.2 USD. */
const PRICE = { input: 1000, output: 2000 };

/** The next 00:00 UTC after now, and the 1st of next month: computed here with Date.UTC, not by agate. */
function nextDay(): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString();
}
function nextMonth(): string {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
}

describe('LLM budgets (in process)', () => {
  let gw: TestGateway;
  let provider: FakeProvider;
  const keys: Record<string, string> = {};
  const client = (user: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: keys[user]!, maxRetries: 0 });
  /** One call's outcome: 200, or the status, code and headers of the refusal. */
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => ({ status: 200, code: undefined, headers: undefined }),
      (e: unknown) =>
        e instanceof APIError
          ? { status: e.status, code: (e.error as { code?: string } | undefined)?.code, headers: Object.fromEntries(e.headers?.entries() ?? []) as Record<string, string> }
          : Promise.reject(e),
    );

  beforeAll(async () => {
    gw = await startLlmGateway();
    provider = await startFake('p', (c, res) => {
      const model = String(c.body.model);
      if (model === 'failing-model') return json(res, 500, { error: { message: 'boom', type: 'server_error' } });
      if (model === 'priced-model') return json(res, 200, openAiCompletion(model, 'ok', { prompt_tokens: 100, completion_tokens: 100, total_tokens: 200 }));
      if (!c.body.stream) return json(res, 200, openAiCompletion(model, 'ok', USAGE));
      sse(res);
      res.end(openAiStream(model, ['a', 'b', 'c'], true, USAGE));
    });
    for (const name of USERS) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    addProvider(gw, { name: 'p', type: 'openai', baseUrl: `${provider.url}/v1`, keys: ['sk'], prices: { 'priced-model': PRICE } });
    await addRoute(gw, { name: 'daily', model: 'daily-model', targets: [{ provider: 'p' }], budget: { period: 'day', tokens: 1000 } });
    await addRoute(gw, { name: 'failing', model: 'failing-model', targets: [{ provider: 'p' }], budget: { period: 'day', tokens: 500 } });
    await addRoute(gw, { name: 'priced', model: 'priced-model', targets: [{ provider: 'p' }], budget: { period: 'month', costUsd: 0.5 } });
  });
  afterAll(async () => {
    await gw.stop();
    await provider.close();
  });

  it('settles each stream to the usage the provider reported: one consumer spends its day, the other is untouched', async () => {
    // Each call reserves its prompt estimate + 400 and uses 50: without settlement only two calls would fit in 1000.
    const ask = (user: string) =>
      outcome(
        (async () => {
          const stream = await client(user).chat.completions.create({ model: 'daily-model', stream: true, stream_options: { include_usage: true }, max_tokens: 400, messages: [{ role: 'user', content: 'hi' }] });
          for await (const chunk of stream) void chunk;
        })(),
      );
    const alice = [];
    for (let i = 0; i < 30; i++) {
      const o = await ask('alice');
      alice.push(o);
      if (o.status !== 200) break;
    }
    const admitted = alice.filter((o) => o.status === 200).length;
    const refused = alice.at(-1)!;
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted * USAGE.total_tokens).toBeLessThanOrEqual(1000);
    expect(refused).toMatchObject({ status: 429, code: 'GW_ERR_LLM_BUDGET_EXCEEDED' });
    const h = refused.headers!;
    expect(h['x-budget-period']).toBe('day');
    expect(h['x-budget-limit-tokens']).toBe('1000');
    expect(h['x-budget-remaining-tokens']).toBe(String(1000 - admitted * USAGE.total_tokens));
    expect(h['x-budget-reset']).toBe(nextDay());
    const retryAfter = Number(h['retry-after']);
    expect(Math.abs(retryAfter - (Date.parse(nextDay()) - Date.now()) / 1000)).toBeLessThan(5);
    // bob's day is his own, even while alice keeps asking.
    const both = await Promise.all([ask('bob'), ask('alice'), ask('bob')]);
    expect(both.map((o) => o.status)).toEqual([200, 429, 200]);
  });

  it('a call that fails releases its whole reservation', async () => {
    // 500 tokens a day and a reservation of ~410: if a failed call kept its reservation, the second would be refused.
    const ask = () => outcome(client('carol').chat.completions.create({ model: 'failing-model', max_tokens: 400, messages: [{ role: 'user', content: 'hi' }] }));
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await ask());
    expect(results.map((o) => o.status)).toEqual([500, 500, 500]);
  });

  it('a cost budget charges the provider price of the usage reported; the month resets on the 1st', async () => {
    // Each call costs 100 × 1000/1M + 100 × 2000/1M = 0.3 USD: two fit in 0.5 (the second starts at 0.3 < 0.5).
    const ask = () => outcome(client('dave').chat.completions.create({ model: 'priced-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    const results = [await ask(), await ask(), await ask()];
    expect(results.map((o) => o.status)).toEqual([200, 200, 429]);
    const h = results[2]!.headers!;
    expect(results[2]!.code).toBe('GW_ERR_LLM_BUDGET_EXCEEDED');
    expect(h['x-budget-period']).toBe('month');
    expect(h['x-budget-limit-usd']).toBe('0.5');
    expect(h['x-budget-remaining-usd']).toBe('0');
    expect(h['x-budget-reset']).toBe(nextMonth());
    // alice has spent nothing on this route: her month is whole.
    expect((await outcome(client('alice').chat.completions.create({ model: 'priced-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
  });
});
