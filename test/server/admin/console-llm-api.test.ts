// The admin endpoints behind the console's LLM page: providers created and replaced with keys that no answer
// ever contains, and token usage per consumer and model over time (GET /llm-usage), produced by real calls
// through the gateway (the openai client, two consumers at once) to a loopback OpenAI-wire provider.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { json, openAiCompletion, startFake, type FakeProvider } from '../llm/fakes.js';

const KEY_1 = 'sk-console-key-one-1234567890';
const KEY_2 = 'sk-console-key-two-0987654321';

describe('console LLM endpoints', () => {
  let gw: TestGateway;
  let fake: FakeProvider;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startTestGateway();
    // The fake reports usage as OpenAI does: 9 prompt and 3 completion tokens per call.
    fake = await startFake('oa', (c, res) => json(res, 200, openAiCompletion(String(c.body.model), 'ok')));
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(gw.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('a provider created and its key replaced: the upstream gets the new key, no admin answer contains either', async () => {
    const answers: string[] = [];
    const created = await call('POST', '/llm-providers', { name: 'oa', type: 'openai', baseUrl: `${fake.url}/v1`, keys: [KEY_1] });
    expect(created.status).toBe(201);
    answers.push(await created.text());
    const route = await call('POST', '/llm-routes', { name: 'gpt', model: 'gpt-*', targets: [{ provider: 'oa' }] });
    expect(route.status).toBe(201);
    const replaced = await call('PUT', '/llm-providers/oa', { type: 'openai', baseUrl: `${fake.url}/v1`, keys: [KEY_2] });
    expect(replaced.status).toBe(200);
    answers.push(await replaced.text());
    for (const path of ['/llm-providers', '/llm-providers/oa', '/audit?limit=1000', '/status']) answers.push(await (await call('GET', path)).text());
    for (const text of answers) {
      expect(text).not.toContain(KEY_1);
      expect(text).not.toContain(KEY_2);
    }
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: keys.alice!, maxRetries: 0 });
    await waitFor(async () => (await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined)) !== undefined, 'the route to serve');
    expect(fake.calls.at(-1)!.headers.authorization).toBe(`Bearer ${KEY_2}`);
  });

  it('usage per consumer and model: alice and bob calling at once each get their own rows, with the tokens the provider reported', async () => {
    const before = await (await call('GET', '/llm-usage?since=1h')).json();
    const count = (points: Array<{ consumer: string; model: string; requests: number }>, who: string, model: string) => points.filter((p) => p.consumer === who && p.model === model).reduce((n, p) => n + p.requests, 0);
    const base = { alice: count(before.points, 'alice', 'gpt-4o'), bob: count(before.points, 'bob', 'gpt-4o-mini') };
    const ask = (who: 'alice' | 'bob', model: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: keys[who]!, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    await Promise.all([...Array.from({ length: 3 }, () => ask('alice', 'gpt-4o')), ...Array.from({ length: 2 }, () => ask('bob', 'gpt-4o-mini'))]);
    // The gateway sums usage in memory and writes it every second.
    const after = await waitFor(async () => {
      const body = await (await call('GET', '/llm-usage?since=1h')).json();
      return count(body.points, 'alice', 'gpt-4o') >= base.alice + 3 && count(body.points, 'bob', 'gpt-4o-mini') >= base.bob + 2 ? body : undefined;
    }, 'usage rows', 10_000);
    type Point = { consumer: string; model: string; hour: string; requests: number; promptTokens: number; completionTokens: number };
    const bob = (after.points as Point[]).filter((p) => p.consumer === 'bob');
    // One point per hour: two if the calls straddled an hour's end.
    const sum = (k: 'requests' | 'promptTokens' | 'completionTokens') => bob.reduce((n, p) => n + p[k], 0);
    expect([sum('requests'), sum('promptTokens'), sum('completionTokens')]).toEqual([2, 18, 6]);
    expect(bob.every((p) => p.model === 'gpt-4o-mini' && /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/.test(p.hour))).toBe(true);
    expect(after.points.some((p: { consumer: string; model: string }) => p.consumer === 'bob' && p.model === 'gpt-4o')).toBe(false);
    const alice = await (await call('GET', '/llm-usage?since=2h&consumer=alice')).json();
    expect(alice.points.map((p: { consumer: string }) => p.consumer)).toEqual(alice.points.map(() => 'alice'));
    expect(alice.truncated).toBe(false);
  });

  it.each([
    ['since too far back', '?since=40d', 'since: at most 31 days back'],
    ['since neither a time nor a duration', '?since=yesterday', 'since: "yesterday" is neither an ISO time nor a duration'],
    ['since given twice', '?since=1h&since=2h', 'since: give it once'],
    ['consumer given twice', '?consumer=a&consumer=b', 'consumer: give it once'],
  ])('GET /llm-usage with %s is refused naming the field', async (_what, query, problem) => {
    const res = await call('GET', `/llm-usage${query}`);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('GW_ERR_ADMIN_INVALID');
    expect(body.error.problems[0]).toContain(problem);
  });
});
