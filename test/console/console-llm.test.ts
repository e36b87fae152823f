// The console's LLM page in a real browser against a real gateway: a provider added and its key replaced (a bad
// value refused naming its field), a model route added, then real calls through the gateway by two consumers at
// once (the openai client) to a loopback OpenAI-wire provider show in the usage chart per consumer and model. No
// page and no admin answer the browser receives ever contains a key.
import type { Browser, Page } from 'playwright-core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { browserMissing, launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { json, openAiCompletion, startFake, type FakeProvider } from '../server/llm/fakes.js';

const missing = browserMissing();
if (missing) console.warn(missing);

const KEY_A = 'sk-console-first-key-A1b2C3d4';
const KEY_B = 'sk-console-second-key-E5f6G7h8';

describe.skipIf(missing !== undefined)('web console LLM page in chromium', () => {
  let gw: TestGateway;
  let fake: FakeProvider;
  let browser: Browser;
  let page: Page;
  const keys: Record<string, string> = {};
  const answers: Array<Promise<string>> = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startTestGateway(), launchBrowser()]);
    // 9 prompt and 3 completion tokens per call, as the provider reports them.
    fake = await startFake('oa', (c, res) => json(res, 200, openAiCompletion(String(c.body.model), 'ok')));
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    page.on('dialog', (d) => void d.accept());
    page.on('response', (r) => answers.push(r.text().catch(() => '')));
    await signIn(page, { adminUrl: gw.adminUrl, token: gw.adminToken.token });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await fake?.close();
  });

  it('adds a provider (a bad type named), a model route, then replaces the key: the provider gets the new key', async () => {
    await page.goto(`${gw.adminUrl}/console/#/llm`);
    const provider = page.getByRole('form', { name: 'Provider' });
    await provider.getByLabel('Name').fill('oa');
    await provider.getByLabel('Type').fill('Open AI');
    await provider.getByLabel('Base URL').fill(`${fake.url}/v1`);
    await provider.getByLabel('API keys').fill(KEY_A);
    await provider.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => provider.getByRole('alert').textContent()).toContain('llmProvider.type');
    await provider.getByLabel('Type').fill('openai');
    await provider.getByRole('button', { name: 'Save provider' }).click();
    await page.getByRole('cell', { name: '1 key(s)' }).waitFor();
    const route = page.getByRole('form', { name: 'Model route' });
    await route.getByLabel('Name').fill('gpt');
    await route.getByLabel('Model').fill('gpt-*');
    await route.getByLabel('Providers').fill('oa');
    await route.getByRole('button', { name: 'Save route' }).click();
    await page.getByRole('cell', { name: 'gpt-*' }).waitFor();

    await page.getByRole('button', { name: 'Edit provider oa' }).click();
    expect(await provider.getByLabel('Name').inputValue()).toBe('oa');
    expect(await provider.getByLabel('API keys').inputValue()).toBe('');
    await provider.getByLabel('API keys').fill(KEY_B);
    await provider.getByRole('button', { name: 'Save provider' }).click();
    await expect.poll(() => provider.getByRole('status').last().textContent()).toContain('Saved');
    const secrets = gw.registry.llmProviders.get('oa')!.keySecrets;
    expect(secrets).toHaveLength(1);
    expect(gw.registry.secrets.get(secrets[0]!)).toBe(KEY_B);
  });

  it('real calls by alice and bob at once show in the usage chart per consumer and model', async () => {
    const ask = (who: string, model: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: keys[who]!, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    await waitFor(async () => (await ask('alice', 'gpt-4o').catch(() => undefined)) !== undefined, 'the route to serve');
    await Promise.all([ask('alice', 'gpt-4o'), ask('alice', 'gpt-4o'), ask('bob', 'gpt-4o-mini'), ask('bob', 'gpt-4o-mini')]);
    expect(fake.calls.at(-1)!.headers.authorization).toBe(`Bearer ${KEY_B}`);
    // Usage is written every second; the chart's legend carries each series' total tokens (12 a call).
    const legend = page.locator('ul.legend');
    await waitFor(async () => {
      await page.goto(`${gw.adminUrl}/console/#/llm`);
      await page.reload();
      await page.getByRole('heading', { name: 'Token usage' }).waitFor();
      const text = (await legend.textContent({ timeout: 2000 }).catch(() => '')) ?? '';
      return text.includes('alice · gpt-4o: 36') && text.includes('bob · gpt-4o-mini: 24');
    }, 'the usage chart to show both consumers', 15_000);
    await expect.poll(() => page.locator('figure.chart polyline, figure.chart circle').count()).toBe(2);
    const totals = page.getByRole('table', { name: 'Totals in this range' });
    expect(await totals.textContent()).toMatch(/bob.*gpt-4o-mini.*2.*0.*18.*6/);
    await screenshot(page, 'llm');

    expect(await page.content()).not.toMatch(/sk-console-/);
    const received = await Promise.all(answers);
    expect(received.length).toBeGreaterThan(10);
    for (const body of received) expect(body).not.toMatch(/sk-console-/);
  });
});
