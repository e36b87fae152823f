import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { oaChunk, openAiStream, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

/** The first-byte deadline and keep-alive reuse of upstream connections, as the client and the fakes see them. */
describe('LLM routing: upstream deadlines and connections', () => {
  let gw: TestGateway;
  let silent: FakeProvider;
  let headOnly: FakeProvider;
  let backup: FakeProvider;
  let lingering: FakeProvider;
  let lingeringConnections = 0;
  let openai: OpenAI;

  beforeAll(async () => {
    gw = await startLlmGateway();
    // Never answers at all.
    silent = await startFake('silent', () => {});
    // Sends its 200 head, then nothing: the deadline covers the first body bytes too.
    headOnly = await startFake('head-only', (_c, res) => {
      sse(res);
      res.flushHeaders();
    });
    backup = await startFake('backup', (c, res) => {
      sse(res);
      res.end(openAiStream(String(c.body.model), ['from ', 'backup'], true));
    });
    // Ends its body a little after [DONE], as providers often do in a separate packet.
    lingering = await startFake('lingering', (c, res) => {
      sse(res);
      const model = String(c.body.model);
      res.write(oaChunk(model, { role: 'assistant', content: 'still ' }) + oaChunk(model, { content: 'here' }) + oaChunk(model, {}, 'stop') + 'data: [DONE]\n\n');
      setTimeout(() => res.end(), 30);
    });
    lingering.server.on('connection', () => lingeringConnections++);
    addProvider(gw, { name: 'silent', type: 'openai', baseUrl: `${silent.url}/v1`, keys: ['s1'], timeoutMs: 300 });
    addProvider(gw, { name: 'head-only', type: 'openai', baseUrl: `${headOnly.url}/v1`, keys: ['h1'], timeoutMs: 300 });
    addProvider(gw, { name: 'backup', type: 'openai', baseUrl: `${backup.url}/v1`, keys: ['b1'] });
    addProvider(gw, { name: 'lingering', type: 'openai', baseUrl: `${lingering.url}/v1`, keys: ['l1'] });
    await addRoute(gw, { name: 'silent', model: 'silent-model', targets: [{ provider: 'silent' }], fallback: [{ provider: 'backup' }] });
    await addRoute(gw, { name: 'head-only', model: 'head-only-model', targets: [{ provider: 'head-only' }], fallback: [{ provider: 'backup' }] });
    await addRoute(gw, { name: 'lingering', model: 'lingering-model', targets: [{ provider: 'lingering' }] });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([silent, headOnly, backup, lingering].map((f) => f.close()));
  });

  async function streamText(model: string): Promise<string> {
    const stream = await openai.chat.completions.create({ model, stream: true, ...ask });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return text;
  }

  it.each([
    ['no answer at all', 'silent'],
    ['a head but no body bytes', 'head-only'],
  ])('a provider that gives %s within timeoutMs is left for the fallback', async (_name, route) => {
    const started = Date.now();
    expect(await streamText(`${route}-model`)).toBe('from backup');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const access = gw.logs.filter((l) => l.msg === 'access' && l.route === route).at(-1);
    expect(access).toMatchObject({ status: 200, upstream: 'backup', attempts: 2 });
  });

  it('after a clean end the upstream connection is read to its end and reused by the next call', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await streamText('lingering-model')).toBe('still here');
      // Past the fake's late end of body: a connection given up then would be gone, not reused.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lingering.calls).toHaveLength(3);
    expect(lingeringConnections).toBe(1);
  });
});
