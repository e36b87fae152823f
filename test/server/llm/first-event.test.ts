import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../helpers/gateway.js';
import { anEvent, oaChunk, sse, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

/** How long each fake waits between its first event and the rest of the stream. */
const HOLD_MS = 500;

/** When a fake wrote its first event and the rest, on this process's clock (the clients run here too). */
interface Pace {
  sentFirst: number;
  sentRest: number;
}

/** A fake that writes `first`, waits HOLD_MS, then writes `rest` and ends. */
async function pacedFake(name: string, first: (model: string) => string, rest: (model: string) => string): Promise<{ fake: FakeProvider; pace: Pace }> {
  const pace: Pace = { sentFirst: 0, sentRest: 0 };
  const fake = await startFake(name, (call, res: ServerResponse) => {
    const model = String(call.body.model ?? 'gemini');
    sse(res);
    res.write(first(model));
    pace.sentFirst = performance.now();
    setTimeout(() => {
      pace.sentRest = performance.now();
      res.end(rest(model));
    }, HOLD_MS);
  });
  return { fake, pace };
}

const oaUsage = (model: string) => `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;
const geminiEvent = (text: string, last: boolean) => {
  const candidate = { content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) };
  const usage = last ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 } } : {};
  return `data: ${JSON.stringify({ candidates: [candidate], ...usage, modelVersion: 'gemini-x', responseId: 'gem-1' })}\r\n\r\n`;
};

/**
 * Issue #8: the gateway forwards a stream's first event as soon as it is complete, not when the upstream's next
 * bytes arrive. Each fake holds the rest of its stream back for HOLD_MS; the client must see the first text
 * long before that, through the pass-through path and through every translating one.
 */
describe('LLM streams: the first event is forwarded without waiting for the next', () => {
  let gw: TestGateway;
  const fakes: FakeProvider[] = [];
  const paces = new Map<string, Pace>();
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gw = await startLlmGateway();
    const oa = await pacedFake(
      'oa',
      (m) => oaChunk(m, { role: 'assistant', content: 'first' }),
      (m) => oaChunk(m, { content: ' second' }) + oaChunk(m, {}, 'stop') + oaUsage(m) + 'data: [DONE]\n\n',
    );
    const an = await pacedFake(
      'an',
      (m) =>
        anEvent('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', model: m, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }) +
        anEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        anEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'first' } }),
      () =>
        anEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' second' } }) +
        anEvent('content_block_stop', { index: 0 }) +
        anEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }) +
        anEvent('message_stop', {}),
    );
    const ge = await pacedFake('ge', () => geminiEvent('first', false), () => geminiEvent(' second', true));
    for (const [name, type, fake, base] of [['oa', 'openai', oa, '/v1'], ['an', 'anthropic', an, ''], ['ge', 'gemini', ge, '']] as const) {
      addProvider(gw, { name, type, baseUrl: fake.fake.url + base, keys: [`${name}-key`] });
      await addRoute(gw, { name, model: `${name}-model`, targets: [{ provider: name }] });
      fakes.push(fake.fake);
      paces.set(name, fake.pace);
    }
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all(fakes.map((f) => f.close()));
  });

  /** The first text arrived before the fake sent the rest, and soon after the fake sent it. */
  function expectPrompt(provider: string, receivedFirst: number | undefined): void {
    const pace = paces.get(provider)!;
    expect(receivedFirst).toBeDefined();
    expect(receivedFirst!).toBeLessThan(pace.sentRest);
    expect(receivedFirst! - pace.sentFirst).toBeLessThan(HOLD_MS / 2);
  }

  it.each([
    ['OpenAI upstream (pass-through)', 'oa'],
    ['Anthropic upstream (translated)', 'an'],
    ['Gemini upstream (translated)', 'ge'],
  ])('OpenAI client, %s', async (_name, provider) => {
    const stream = await openai.chat.completions.create({ model: `${provider}-model`, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let receivedFirst: number | undefined;
    let text = '';
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (!content) continue;
      receivedFirst ??= performance.now();
      text += content;
    }
    expect(text).toBe('first second');
    expectPrompt(provider, receivedFirst);
  });

  it('Anthropic client, OpenAI upstream (translated)', async () => {
    const stream = await anthropic.messages.create({ model: 'oa-model', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let receivedFirst: number | undefined;
    let text = '';
    for await (const event of stream) {
      if (event.type !== 'content_block_delta' || event.delta.type !== 'text_delta') continue;
      receivedFirst ??= performance.now();
      text += event.delta.text;
    }
    expect(text).toBe('first second');
    expectPrompt('oa', receivedFirst);
  });
});
