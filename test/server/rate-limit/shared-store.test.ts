// One quota store holds every limit's buckets (route limits, LLM requests and tokens per minute): two consumers
// spending it at the same moment, on an HTTP route and an LLM route of the same name, share nothing.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure } from '../../helpers/proxy.js';
import type { TestGateway } from '../../helpers/gateway.js';
import { json, openAiCompletion, startFake, type FakeProvider } from '../llm/fakes.js';
import { addProvider, addRoute, startLlmGateway } from '../llm/setup.js';

// Each consumer may make 2 requests per hour on the HTTP route, 2 per minute on the LLM route, and spend 300 tokens
// per minute on the token route, where one request reserves ~260 (prompt + max_tokens) and really uses 280.
const USED = { prompt_tokens: 30, completion_tokens: 250, total_tokens: 280 };
const USERS = ['alice', 'bob'] as const;

describe('one quota store, two consumers at once', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let provider: FakeProvider;
  const keys: Record<string, string> = {};
  const llm = (user: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: keys[user]!, maxRetries: 0 });
  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number }) => e.status ?? 0);

  beforeAll(async () => {
    gw = await startLlmGateway();
    upstream = await startUpstream('u');
    provider = await startFake('p', (c, res) => json(res, 200, openAiCompletion(String(c.body.model), 'ok', USED)));
    await configure(gw, (r) => {
      for (const name of USERS) {
        r.consumers.store.create({ name }, 'cli');
        keys[name] = r.consumers.issueKey(name, 'cli').key;
      }
      r.routes.create({ name: 'same', path: '/same', upstream: upstream.url, auth: {}, rateLimit: { requests: 2, per: 'hour', by: 'consumer' } }, 'cli');
    });
    addProvider(gw, { name: 'p', type: 'openai', baseUrl: `${provider.url}/v1`, keys: ['sk'] });
    await addRoute(gw, { name: 'same', model: 'rpm-model', targets: [{ provider: 'p' }], requestsPerMinute: 2, limitPer: 'consumer' });
    await addRoute(gw, { name: 'tokens', model: 'gpt-4o', targets: [{ provider: 'p' }], tokensPerMinute: 300, limitPer: 'consumer' });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
    await provider.close();
  });

  it('each consumer gets its own 2 HTTP and 2 LLM requests, all sent together', async () => {
    const http = (user: string) => fetch(`${gw.url}/same`, { headers: { authorization: `Bearer ${keys[user]}` } }).then((r) => r.status);
    const chat = (user: string) => status(llm(user).chat.completions.create({ model: 'rpm-model', messages: [{ role: 'user', content: 'hi' }] }));
    const sent = USERS.flatMap((user) => Array.from({ length: 5 }, () => [user, http(user), chat(user)] as const));
    const results = await Promise.all(sent.map(async ([user, h, c]) => [user, await h, await c] as const));
    for (const user of USERS) {
      const mine = results.filter(([u]) => u === user);
      expect(mine.map(([, h]) => h).sort(), `${user} HTTP`).toEqual([200, 200, 429, 429, 429]);
      expect(mine.map(([, , c]) => c).sort(), `${user} LLM`).toEqual([200, 200, 429, 429, 429]);
    }
  });

  it("one consumer's token reservation and settlement never spend the other's tokens", async () => {
    const ask = (user: string) => status(llm(user).chat.completions.create({ model: 'gpt-4o', max_tokens: 250, messages: [{ role: 'user', content: 'hi' }] }));
    const first = await Promise.all(USERS.map((user) => Promise.all([ask(user), ask(user)])));
    for (const pair of first) expect(pair.sort()).toEqual([200, 429]);
    // Settled to 280 used: 20 of 300 left each, so a second round is refused for both, and for both alike.
    expect(await Promise.all(USERS.map(ask))).toEqual([429, 429]);
  });
});
