import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import {
  anthropicToOpenAiResponse,
  TranslationError,
  type AnthropicResponse,
} from '../../../../../server/targets/llm-router/translate/index.js';

const BASE: AnthropicResponse = {
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 6 },
};

describe('anthropicToOpenAiResponse', () => {
  it('translates text, model override and usage', () => {
    const out: ChatCompletion = anthropicToOpenAiResponse(
      { ...BASE, content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
      { model: 'my-alias' },
    );
    expect(out).toMatchObject({
      id: BASE.id,
      object: 'chat.completion',
      model: 'my-alias',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
    });
    expect(out.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('translates thinking to reasoning_content and tool_use to tool_calls with null content', () => {
    const out = anthropicToOpenAiResponse({
      ...BASE,
      stop_reason: 'tool_use',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
        { type: 'tool_use', id: 'toolu_2', name: 'g', input: {} },
      ],
    });
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        reasoning_content: 'hmm',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
  });

  it('counts cache reads and writes inside prompt_tokens (OpenAI convention)', () => {
    const out = anthropicToOpenAiResponse({
      ...BASE,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 },
    });
    expect(out.usage).toEqual({
      prompt_tokens: 1210,
      completion_tokens: 5,
      total_tokens: 1215,
      prompt_tokens_details: { cached_tokens: 1000, cache_creation_tokens: 200 },
    });
  });

  it.each([[null], [{}], [{ content: 'x' }]])('rejects a malformed upstream body %j with a 502', (body) => {
    expect(() => anthropicToOpenAiResponse(body as never)).toThrow(TranslationError);
    try {
      anthropicToOpenAiResponse(body as never);
    } catch (err) {
      expect((err as TranslationError).status).toBe(502);
    }
  });
});
