import { describe, expect, it } from 'vitest';
import {
  preloadEncoders,
  collectPromptText,
  encodingForModel,
  estimatePromptTokens,
} from '../../../../../server/targets/llm-router/tokens/index.js';

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

  it('counts UTF-8 bytes / 4 for non-OpenAI models, so CJK (3 bytes a character) is not undercounted', () => {
    expect(estimatePromptTokens({ input: 'a'.repeat(399) }, 'claude-sonnet-4-5')).toBe(100);
    expect(estimatePromptTokens({ input: '今'.repeat(400) }, 'claude-sonnet-4-5')).toBe(300);
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
    expect(text.texts).toContain('{"a":"b"}');
    expect(text.texts.join('')).not.toContain('AAAA');
    const est = estimatePromptTokens(req, 'claude-opus-4');
    expect(est).toBe(Math.ceil(text.texts.join('').length / 4) + 2 * 3 + 3 + 765);
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
