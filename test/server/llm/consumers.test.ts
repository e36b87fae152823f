import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { json, openAiCompletion, openAiStream, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('LLM routing: consumer-scoped routes and the model list', () => {
  let gw: TestGateway;
  let oa: FakeProvider;
  let vip: FakeProvider;
  let aliceKey: string;
  let bobKey: string;
  const client = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });

  beforeAll(async () => {
    gw = await startLlmGateway();
    const answer = (c: { body: Record<string, unknown> }, res: Parameters<FakeProvider['behave']>[1]) => json(res, 200, openAiCompletion(String(c.body.model), 'ok'));
    oa = await startFake('oa', answer);
    vip = await startFake('vip', answer);
    gw.registry.consumers.store.create({ name: 'alice', groups: ['staff'] }, 'cli');
    gw.registry.consumers.store.create({ name: 'bob', groups: [] }, 'cli');
    aliceKey = gw.registry.consumers.issueKey('alice', 'cli').key;
    bobKey = gw.registry.consumers.issueKey('bob', 'cli').key;
    addProvider(gw, { name: 'oa', type: 'openai', baseUrl: `${oa.url}/v1`, keys: ['sk-oa'], modelMap: [['gpt-4o', 'qwen-max'], ['gpt-4o-mini', ''], ['~^gpt-(.*)$', 'q-$1'], ['*', 'fallback']] });
    addProvider(gw, { name: 'vip', type: 'openai', baseUrl: `${vip.url}/v1`, keys: ['sk-vip'], modelMap: [['team-alpha', 'a'], ['team-beta', 'b'], ['other', 'o']] });
    await addRoute(gw, { name: 'public', model: 'gpt-*', targets: [{ provider: 'oa' }] });
    await addRoute(gw, { name: 'exact', model: 'plain-model', targets: [{ provider: 'oa' }] });
    await addRoute(gw, { name: 'staff', model: '^team-(alpha|beta)$', match: 'regex', consumers: ['group:staff'], targets: [{ provider: 'vip' }] });
    await addRoute(gw, { name: 'vip', model: 'vip-model', consumers: ['alice'], targets: [{ provider: 'vip' }] });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([oa.close(), vip.close()]);
  });

  it('a consumer key sent as Authorization: Bearer reaches its route; the key never reaches the provider', async () => {
    const r = await client(aliceKey).chat.completions.create({ model: 'vip-model', ...ask });
    expect(r.choices[0]!.message.content).toBe('ok');
    const call = vip.calls.at(-1)!;
    expect(call.headers.authorization).toBe('Bearer sk-vip');
    expect(JSON.stringify(call.headers)).not.toContain(aliceKey);
    expect(JSON.stringify(call.body)).not.toContain(aliceKey);
    const access = gw.logs.filter((l) => l.msg === 'access' && l.route === 'vip').at(-1);
    expect(access).toMatchObject({ status: 200, consumer: 'alice' });
  });

  it('a group-scoped regex route admits a member of the group', async () => {
    const r = await client(aliceKey).chat.completions.create({ model: 'team-beta', ...ask });
    expect(r.model).toBe('b');
  });

  it.each([
    ['an unknown key', 'agk_not-a-real-key', 401, 'GW_ERR_AUTH_INVALID'],
    ['no key at all', '', 401, 'GW_ERR_AUTH_MISSING'],
  ])('%s on a consumer-only model gets 401 in OpenAI error shape', async (_n, key, status, code) => {
    const before = vip.calls.length;
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model: 'vip-model', ...ask }),
    });
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { message: string; type: string; code: string | null; param: unknown } };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.code).toBe(code);
    expect(body.error.type).toBe('authentication_error');
    expect(vip.calls.length).toBe(before);
  });

  it('a known consumer not on the route is refused and nothing reaches the provider', async () => {
    const before = vip.calls.length;
    await expect(client(bobKey).chat.completions.create({ model: 'vip-model', ...ask })).rejects.toMatchObject({ status: 404 });
    expect(vip.calls.length).toBe(before);
  });

  it.each([
    ['anonymous', () => 'anonymous-client', ['gpt-4o', 'gpt-4o-mini', 'plain-model']],
    ['bob (no scoped routes)', () => bobKey, ['gpt-4o', 'gpt-4o-mini', 'plain-model']],
    ['alice (staff group, vip route)', () => aliceKey, ['gpt-4o', 'gpt-4o-mini', 'plain-model', 'team-alpha', 'team-beta', 'vip-model']],
  ])('GET /v1/models for %s lists mapped models of pattern routes and only routes the caller may use', async (_n, key, ids) => {
    const page = await client(key()).models.list();
    expect(page.data.map((m) => m.id)).toEqual(ids);
    const owners = Object.fromEntries(page.data.map((m) => [m.id, m.owned_by]));
    expect(owners['gpt-4o']).toBe('oa');
    if (owners['team-alpha']) expect(owners['team-alpha']).toBe('vip');
  });

  it('the upstream connection is reused when the provider ends its body after [DONE]', async () => {
    const ports: number[] = [];
    let finishUpstream: () => Promise<void> = async () => {};
    oa.behave = (c, res) => {
      ports.push(res.socket!.remotePort!);
      sse(res);
      // [DONE] first, the end of the chunked body later (real providers often flush it in its own packet).
      res.write(openAiStream(String(c.body.model), ['a', 'b'], true));
      // Resolves after the end is written and one poll phase has passed, in which the gateway (same process)
      // reads it: without that barrier the next call could race the terminator for the socket.
      finishUpstream = () => new Promise((resolve) => res.end(() => setImmediate(resolve)));
    };
    for (let i = 0; i < 3; i++) {
      const stream = await client('anonymous-client').chat.completions.create({ model: 'gpt-4o', stream: true, ...ask });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      expect(text).toBe('ab');
      await finishUpstream();
    }
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
  });
});
