import { describe, expect, it } from 'vitest';
import {
  preloadEncoders,
  collectPromptText,
  encodingForModel,
  estimatePromptTokens,
} from '../../../../../server/targets/llm-router/tokens/index.js';
import { countTokens, getEncoder } from '../../../../../server/targets/llm-router/tokens/encoders.js';

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o-mini', 'o200k_base'],
    ['gpt-4.1', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['claude-sonnet-4-5', null],
    ['qwen-max', null],
    ['gemini-2.5-pro', null],
  ])('%s → %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('estimatePromptTokens', () => {
  it('preloading the encoders makes the first estimate cheap', () => {
    preloadEncoders();
    const started = performance.now();
    expect(estimatePromptTokens({ input: 'warm' }, 'gpt-4')).toBe(1);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('counts OpenAI chat prompts with BPE plus message framing', () => {
    // "Hello world" is 2 tokens in o200k; role "user" 1; 3 per message + 3 reply primer.
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: 'Hello world' }] }, 'gpt-4o')).toBe(2 + 1 + 3 + 3);
  });

  it('uses different encoders for o200k and cl100k models', () => {
    const text = '今天天气很好，我们去公园散步吧。'.repeat(10);
    const req = { input: text };
    expect(estimatePromptTokens(req, 'gpt-4o')).not.toBe(estimatePromptTokens(req, 'gpt-4'));
  });

  it('falls back to characters/4 for non-OpenAI models', () => {
    const text = 'a'.repeat(399);
    expect(estimatePromptTokens({ input: text }, 'claude-sonnet-4-5')).toBe(100);
  });

  it('counts special-token markers in user text as text instead of throwing', () => {
    expect(estimatePromptTokens({ input: 'say <|endoftext|> now' }, 'gpt-4o')).toBeGreaterThan(3);
  });

  it('counts Anthropic system, tool_use, tool_result, tools and images', () => {
    const req = {
      system: 'S'.repeat(40),
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { a: 'b' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r'.repeat(40) }] },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100_000) } },
          ],
        },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
    };
    const text = collectPromptText(req);
    expect(text.images).toBe(1);
    expect(text.messages).toBe(2);
    expect(text.text).toContain('{"a":"b"}');
    expect(text.text).not.toContain('AAAA');
    const est = estimatePromptTokens(req, 'claude-opus-4');
    expect(est).toBe(Math.ceil(text.text.length / 4) + 2 * 3 + 3 + 765);
  });

  it('scales a long prompt from a prefix instead of encoding all of it, staying close to the exact count', () => {
    const unit = 'The quick brown fox jumps over the lazy dog. ';
    const exactSmall = estimatePromptTokens({ input: unit.repeat(300) }, 'gpt-4o');
    const big = estimatePromptTokens({ input: unit.repeat(3000) }, 'gpt-4o');
    expect(big / (exactSmall * 10)).toBeGreaterThan(0.97);
    expect(big / (exactSmall * 10)).toBeLessThan(1.03);
  });

  it('samples a long prompt across its length, so a prompt that changes language midway is not misjudged', () => {
    // English first, then Chinese (about five times more tokens per character): a prefix alone would see English only.
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(500) + '敏捷的棕色狐狸跳过了懒狗。'.repeat(1800);
    const exact = countTokens(getEncoder('o200k_base'), text);
    const est = estimatePromptTokens({ input: text }, 'gpt-4o');
    expect(est / exact).toBeGreaterThan(0.85);
    expect(est / exact).toBeLessThan(1.15);
  });

  it.each([[null], [42], ['text'], [{}], [{ messages: 'nope' }], [{ messages: [null, 5] }]])(
    'returns a number (never throws) for odd input %j',
    (input) => {
      expect(estimatePromptTokens(input, 'gpt-4o')).toBeGreaterThanOrEqual(0);
    },
  );

  it('counts tool call names and arguments on assistant messages', () => {
    const withCall = estimatePromptTokens(
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ function: { name: 'lookup', arguments: '{"q":"weather in Paris"}' } }] }] },
      'gpt-4o',
    );
    const without = estimatePromptTokens({ messages: [{ role: 'assistant', content: null }] }, 'gpt-4o');
    expect(withCall - without).toBeGreaterThanOrEqual(6);
  });
});
