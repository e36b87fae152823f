import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { json, openAiCompletion, startFake, type FakeProvider } from './llm/fakes.js';

describe('admin API: LLM providers and routes', () => {
  let gw: TestGateway;
  let fake: FakeProvider;

  beforeAll(async () => {
    gw = await startTestGateway();
    fake = await startFake('admin-llm', (c, res) => json(res, 200, openAiCompletion(String(c.body.model), 'via admin')));
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${gw.adminToken.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(gw.adminUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  it('creates a provider with keys and a route, serves through them, and never returns a key', async () => {
    const created = await call('POST', '/llm-providers', { name: 'p1', type: 'openai', baseUrl: `${fake.url}/v1`, keys: ['sk-admin-secret-1', 'sk-admin-secret-2'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'p1', keySecrets: ['llm-p1-key-1', 'llm-p1-key-2'] });
    expect((await call('POST', '/llm-routes', { name: 'r1', model: 'admin-model', targets: [{ provider: 'p1' }] })).status).toBe(201);
    for (const path of ['/llm-providers', '/llm-providers/p1', '/llm-routes', '/llm-routes/r1', '/audit']) {
      const r = await call('GET', path);
      expect(r.status).toBe(200);
      expect(r.text).not.toContain('sk-admin-secret');
    }
    const version = gw.registry.version();
    await waitFor(() => (gw.snapshots.current()?.version ?? -1) >= version, 'snapshot with the admin route');
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: 'admin-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('via admin');
    expect(fake.calls.at(-1)!.headers.authorization).toBe('Bearer sk-admin-secret-1');
  });

  it('a replace without keys keeps them; with keys it rotates them and drops the old secrets', async () => {
    const kept = await call('PUT', '/llm-providers/p1', { type: 'openai', baseUrl: `${fake.url}/v1`, modelMap: [['admin-model', 'upstream-model']] });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ keySecrets: ['llm-p1-key-1', 'llm-p1-key-2'], modelMap: [['admin-model', 'upstream-model']] });
    const rotated = await call('PUT', '/llm-providers/p1', { type: 'openai', baseUrl: `${fake.url}/v1`, keys: ['sk-admin-secret-3'] });
    expect(rotated.body).toMatchObject({ keySecrets: ['llm-p1-key-1'] });
    expect(rotated.text).not.toContain('sk-admin-secret');
    expect(gw.registry.secrets.get('llm-p1-key-1')).toBe('sk-admin-secret-3');
    expect(gw.registry.secrets.has('llm-p1-key-2')).toBe(false);
  });

  it.each([
    ['an unknown provider type', { name: 'bad1', type: 'no-such-llm', keys: ['k'] }, 'llmProvider.type'],
    ['a type that needs a base URL without one', { name: 'bad2', type: 'generic', keys: ['k'] }, 'llmProvider.baseUrl'],
    ['keys that are not strings', { name: 'bad3', type: 'openai', keys: [42] }, 'llmProvider.keys'],
    ['keys and keySecrets together', { name: 'bad4', type: 'openai', keys: ['k'], keySecrets: ['x'] }, 'keySecrets'],
    ['a key secret that does not exist', { name: 'bad5', type: 'openai', keySecrets: ['missing'] }, 'missing'],
  ])('refuses %s with 400 and stores nothing (not even the keys)', async (_n, body, problem) => {
    const r = await call('POST', '/llm-providers', body);
    expect(r.status).toBe(400);
    expect(r.text).toContain(problem);
    expect(gw.registry.llmProviders.get(body.name)).toBeUndefined();
    expect(gw.registry.secrets.names().filter((s) => s.startsWith(`llm-${body.name}-`))).toEqual([]);
  });

  it('refuses a route to an unknown provider, and deleting a provider a route still uses', async () => {
    expect((await call('POST', '/llm-routes', { name: 'r2', model: 'm2', targets: [{ provider: 'nope' }] })).status).toBe(400);
    const busy = await call('DELETE', '/llm-providers/p1');
    expect(busy.status).toBe(409);
    expect(busy.text).toContain('r1');
  });

  it('deletes the route, then the provider together with its key secrets', async () => {
    expect((await call('DELETE', '/llm-routes/r1')).status).toBe(204);
    expect((await call('DELETE', '/llm-providers/p1')).status).toBe(204);
    expect((await call('GET', '/llm-providers/p1')).status).toBe(404);
    expect(gw.registry.secrets.has('llm-p1-key-1')).toBe(false);
    expect((await call('DELETE', '/llm-providers/p1')).status).toBe(404);
  });
});
