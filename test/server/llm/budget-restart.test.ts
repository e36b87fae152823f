// A budget holds across a restart of an embedded gateway (in-process quota store): the restarted process seeds
// each budget from the usage the registry recorded, so a consumer who spent its day stays refused, and another
// consumer keeps its own.
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { spawnServe, type ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { json, openAiCompletion, startFake, type FakeProvider } from './fakes.js';

/** Every call uses 400 tokens by the provider's count; the budget is 1000 a day per consumer. */
const USAGE = { prompt_tokens: 100, completion_tokens: 300, total_tokens: 400 };

describe('a budget across a restart (in process)', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let provider: FakeProvider;
  let gw: ServeProcess | undefined;
  const keys: Record<string, string> = {};
  const ask = (user: string) =>
    new OpenAI({ baseURL: `${gw!.url}/v1`, apiKey: keys[user]!, maxRetries: 0 }).chat.completions
      .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => 200,
        (e: unknown) => (e instanceof APIError ? `${e.status} ${(e.error as { code?: string }).code}` : Promise.reject(e)),
      );

  beforeAll(async () => {
    provider = await startFake('p', (c, res) => json(res, 200, openAiCompletion(String(c.body.model), 'ok', USAGE)));
    const r = Registry.open(db);
    for (const name of ['alice', 'bob']) {
      r.consumers.store.create({ name }, 'cli');
      keys[name] = r.consumers.issueKey(name, 'cli').key;
    }
    r.secrets.put('p-key', 'sk', 'cli');
    r.llmProviders.create({ name: 'p', type: 'openai', baseUrl: `${provider.url}/v1`, keySecrets: ['p-key'] }, 'cli');
    r.llmRoutes.create({ name: 'r', model: 'm', targets: [{ provider: 'p' }], budget: { period: 'day', tokens: 1000 } }, 'cli');
    r.close();
  });
  afterAll(async () => {
    await gw?.stop();
    await provider?.close();
    cleanup();
  });

  it('a consumer that spent its day is still refused after a restart; the other consumer is not', async () => {
    gw = await spawnServe(db, { readyTimeoutMs: 60_000 });
    // 0 → 400 → 800 → 1200 (the third starts at 800, its ~20-token reservation fits), then refused.
    expect([await ask('alice'), await ask('alice'), await ask('alice'), await ask('alice')]).toEqual([200, 200, 200, '429 GW_ERR_LLM_BUDGET_EXCEEDED']);
    expect(await ask('bob')).toBe(200);
    await gw.stop();
    gw = await spawnServe(db, { readyTimeoutMs: 60_000 });
    expect(await ask('alice')).toBe('429 GW_ERR_LLM_BUDGET_EXCEEDED');
    // bob had spent 400: two more calls fit (400 → 800 → 1200), the third is refused.
    expect([await ask('bob'), await ask('bob'), await ask('bob')]).toEqual([200, 200, '429 GW_ERR_LLM_BUDGET_EXCEEDED']);
  }, 150_000);
});
