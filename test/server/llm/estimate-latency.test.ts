import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Registry } from '../../../registry/index.js';
import { waitFor } from '../../helpers/gateway.js';
import { spawnServe, type ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { json, openAiCompletion, startFake, type FakeProvider } from './fakes.js';

/** Random CJK ideographs: no punctuation, so byte-level BPE sees one pre-token of the whole run (the slow case). */
function randomCjk(bytes: number): string {
  let s = '';
  while (s.length * 3 < bytes) s += String.fromCharCode(0x4e00 + Math.floor(Math.random() * 20_000));
  return s;
}

/** Fetches `/healthz` back to back until `stop` resolves; returns every round-trip time in ms. */
async function probe(url: string, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    const started = performance.now();
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

describe('LLM token estimation keeps the event loop free', () => {
  const tmp = tempDir();
  let gw: ServeProcess;
  let oa: FakeProvider;

  beforeAll(async () => {
    oa = await startFake('oa', (c, res) => json(res, 200, openAiCompletion(String(c.body.model), 'ok')));
    // The gateway runs as its own process (`agate serve`), so the probe sees its event loop, not the test's.
    const db = join(tmp.dir, 'agate.db');
    const registry = Registry.open(db);
    registry.secrets.put('oa-key', 'k', 'cli');
    registry.llmProviders.create({ name: 'oa', type: 'openai', baseUrl: `${oa.url}/v1`, keySecrets: ['oa-key'] }, 'cli');
    registry.close();
    gw = await spawnServe(db);
    // The README's setup: a TPM limit on an OpenAI-family model, anonymous callers. The limit is high so every
    // request is admitted: the test is about the time spent estimating, not about refusals. Added once the
    // process is up: the reload that first enables a TPM limit loads the encoder tables (seconds on a busy box).
    const writer = Registry.open(db);
    writer.llmRoutes.create({ name: 'gpt', model: 'gpt-4o', targets: [{ provider: 'oa' }], tokensPerMinute: 100_000_000 }, 'cli');
    // The control: the same traffic on a route without a token limit (nothing is estimated).
    writer.llmRoutes.create({ name: 'free', model: 'gpt-4o-free', targets: [{ provider: 'oa' }] }, 'cli');
    writer.close();
    const ask = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'warm' }] }) };
    await waitFor(async () => (await fetch(`${gw.url}/v1/chat/completions`, ask)).status === 200, 'the TPM route to be served', 60_000);
  }, 90_000);
  afterAll(async () => {
    await gw?.stop();
    await oa.close();
    tmp.cleanup();
  });

  it('24 KB random-CJK prompts (four at once, OpenAI and Anthropic clients) never stall /healthz beyond 100 ms', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'anon', maxRetries: 0, timeout: 120_000 });
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'anon', maxRetries: 0, timeout: 120_000 });
    const burst = (model: string) =>
      Promise.allSettled([
        ...[0, 1, 2].map(() => openai.chat.completions.create({ model, messages: [{ role: 'user', content: randomCjk(24_000) }] })),
        anthropic.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: randomCjk(24_000) }] }),
      ]);
    // A first burst warms every path (JIT, connections) so the probe measures estimation, not first use.
    await Promise.all([burst('gpt-4o'), burst('gpt-4o-free')]);
    const control = burst('gpt-4o-free');
    const controlTimes = await probe(gw.adminUrl, control);
    const calls = burst('gpt-4o');
    const times = await probe(gw.adminUrl, calls);
    const answers = (await calls).map((a) => (a.status === 'fulfilled' ? a.value : a.reason));
    expect(answers.map((a) => ('choices' in a ? a.choices[0]!.message.content : a.content[0]!.type))).toEqual(['ok', 'ok', 'ok', 'text']);
    expect(times.length).toBeGreaterThan(0);
    // Each probe within 100 ms, over what the same traffic costs without estimation on this machine right now
    // (a shared CI box stretches every round trip; the old estimator added 10-100 s).
    expect(Math.max(...times)).toBeLessThanOrEqual(100 + Math.max(0, ...controlTimes));
  }, 120_000);
});
