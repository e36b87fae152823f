import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens, getEncoder } from '../../../server/targets/llm-router/tokens/encoders.js';
import type { TestGateway } from '../../helpers/gateway.js';
import { anthropicMessage, json, startFake, type FakeProvider } from './fakes.js';
import { addProvider, addRoute, startLlmGateway } from './setup.js';

describe('POST /v1/messages/count_tokens', () => {
  let gw: TestGateway;
  let an: FakeProvider;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gw = await startLlmGateway();
    an = await startFake('an', (c, res) => json(res, 200, anthropicMessage(String(c.body.model), 'ok')));
    addProvider(gw, { name: 'an', type: 'anthropic', baseUrl: an.url, keys: ['k'] });
    await addRoute(gw, { name: 'claude', model: 'claude-*', targets: [{ provider: 'an' }] });
    await addRoute(gw, { name: 'gpt', model: 'gpt-4o', targets: [{ provider: 'an', model: 'claude-sonnet-4-5' }] });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'c', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await an.close();
  });

  it('answers {input_tokens} in Anthropic shape without calling the provider', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const res = await anthropic.messages.countTokens({ model: 'gpt-4o', system: 'Be brief.', messages: [{ role: 'user', content: text }] });
    // OpenAI's recipe with the model's own encoding (js-tiktoken): each text, 3 per message, 3 for the reply.
    const enc = getEncoder('o200k_base');
    expect(res).toEqual({ input_tokens: countTokens(enc, 'Be brief.') + countTokens(enc, 'user') + countTokens(enc, text) + 3 + 3 });
    expect(an.calls).toHaveLength(0);
  });

  it('for other model families answers UTF-8 bytes / 4 (never less than a quarter of the real count)', async () => {
    const res = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: '今天天气很好' }] });
    expect(res.input_tokens).toBe(Math.ceil((Buffer.byteLength('user') + Buffer.byteLength('今天天气很好')) / 4) + 3 + 3);
  });

  it('an unknown model gets 404 in Anthropic shape', async () => {
    const err = await anthropic.messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});
