import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { json, oaChunk, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

const LIMIT = 2000;
const MAX_TOKENS = 100;
const USAGE = { prompt_tokens: 10, completion_tokens: 95, total_tokens: 105 };

describe('LLM token limits', () => {
  let gw: TestGateway;
  let fake: FakeProvider;
  let responses: FakeProvider;

  beforeAll(async () => {
    gw = await startLlmGateway();
    // A slow stream (5 chunks, 20 ms apart) so all 50 requests are in flight together.
    fake = await startFake('tpm', (c, res) => {
      sse(res);
      const model = String(c.body.model);
      let i = 0;
      const timer = setInterval(() => {
        if (i < 5) res.write(oaChunk(model, i === 0 ? { role: 'assistant', content: 'w' } : { content: 'w' }, null, null));
        else {
          clearInterval(timer);
          res.write(oaChunk(model, {}, 'stop', null));
          res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: USAGE })}\n\n`);
          res.end('data: [DONE]\n\n');
        }
        i++;
      }, 20);
    });
    addProvider(gw, { name: 'tpm', type: 'openai', baseUrl: `${fake.url}/v1`, keys: ['t1'] });
    await addRoute(gw, { name: 'tpm', model: 'tpm-model', targets: [{ provider: 'tpm' }], tokensPerMinute: LIMIT, limitPer: 'route' });
    await addRoute(gw, { name: 'rpm', model: 'rpm-model', targets: [{ provider: 'tpm' }], requestsPerMinute: 2, limitPer: 'route' });
    responses = await startFake('responses', (c, res) => {
      // Answer after all requests had their chance to be admitted: the limit must hold before any usage is known.
      setTimeout(() => json(res, 200, { id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: String(c.body.model), output: [], usage: { input_tokens: 20_000, output_tokens: 10, total_tokens: 20_010 } }), 200);
    });
    addProvider(gw, { name: 'responses', type: 'openai', baseUrl: `${responses.url}/v1`, keys: ['r1'] });
    await addRoute(gw, { name: 'resp', model: 'gpt-4o', targets: [{ provider: 'responses' }], tokensPerMinute: 100_000, limitPer: 'route' });
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
    await responses.close();
  });

  it('50 concurrent streams never exceed the token limit by more than one reservation', async () => {
    const started = Date.now();
    const one = async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tpm-model', stream: true, stream_options: { include_usage: true }, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      return { status: res.status, retryAfter: res.headers.get('retry-after'), text };
    };
    const results = await Promise.all(Array.from({ length: 50 }, one));
    const elapsedMin = (Date.now() - started) / 60_000;
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(50);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited[0]!.text)).toMatchObject({ error: { type: 'rate_limit_error', code: 'GW_ERR_LLM_TOKEN_LIMIT' } });
    const spent = ok.reduce((sum, r) => {
      const usage = r.text.split('\n\n').map((e) => e.slice(6)).filter((d) => d.includes('"usage":{')).map((d) => JSON.parse(d).usage.total_tokens as number);
      expect(usage).toEqual([USAGE.total_tokens]);
      return sum + usage[0]!;
    }, 0);
    // One reservation: max_tokens plus the prompt estimate of 'hi' (a few framing tokens; 20 is generous).
    const reservation = MAX_TOKENS + 20;
    // The bucket refills at LIMIT per minute while the test runs.
    expect(spent).toBeLessThanOrEqual(LIMIT + Math.ceil(LIMIT * elapsedMin) + reservation);
    expect(ok.length).toBeGreaterThanOrEqual(Math.floor(LIMIT / (MAX_TOKENS + 20)));
  });

  it('requests-per-minute: the third request in a minute gets 429 in OpenAI shape', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'c', maxRetries: 0 });
    const stream = () => openai.chat.completions.create({ model: 'rpm-model', stream: true, messages: [{ role: 'user', content: 'x' }] });
    for (let i = 0; i < 2; i++) for await (const _ of await stream()) void _;
    const err = await stream().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);
    await waitFor(() => gw.logs.some((l) => l.msg === 'access' && l.route === 'rpm' && l.flag === 'RL'), 'an RL access line');
  });

  it('Responses input messages, input_text parts and instructions count: 40 requests of ~20k tokens stay under 100k TPM', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'c', maxRetries: 0 });
    const part = 'The quick brown fox jumps over the lazy dog. '.repeat(700); // ~7,000 tokens (o200k: 10 per sentence)
    const one = () =>
      openai.responses
        .create({
          model: 'gpt-4o',
          max_output_tokens: 10,
          instructions: part,
          input: [
            { role: 'user', content: part },
            { role: 'user', content: [{ type: 'input_text', text: part }] },
          ],
        })
        .then(() => 200, (e: unknown) => (e instanceof OpenAI.APIError ? e.status : -1));
    const statuses = await Promise.all(Array.from({ length: 40 }, one));
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const admitted = statuses.filter((s) => s === 200).length;
    // 100k per minute, ~21k per request: five fit, plus one admitted against a full bucket at most.
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(6);
  });
});
