import { describe, expect, it } from 'vitest';
import {
  anthropicToOpenAiRequest,
  openAiToAnthropicResponse,
  shortenToolName,
  TranslationError,
  type OpenAiChatResponse,
} from '../../../../../server/targets/llm-router/translate/index.js';
import { LONG_TOOL_NAME } from '../fixtures/openai-streams.js';

const BASE: OpenAiChatResponse = {
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1700000000,
  model: 'qwen-max',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 10 } },
};

describe('openAiToAnthropicResponse', () => {
  it('translates text and usage (input_tokens excludes cache reads)', () => {
    const out = openAiToAnthropicResponse(BASE, { model: 'claude-alias' });
    expect(out).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-alias',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 7, cache_read_input_tokens: 10 },
    });
    expect(out.id).toMatch(/^msg_[0-9a-f]{24}$/);
  });

  it('translates reasoning, tool calls and restores a shortened tool name', () => {
    const { toolNames } = anthropicToOpenAiRequest({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: LONG_TOOL_NAME, input_schema: { type: 'object' } }],
    });
    const out = openAiToAnthropicResponse(
      {
        ...BASE,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              reasoning_content: 'plan',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: shortenToolName(LONG_TOOL_NAME), arguments: '{"q":"x"}' } }],
            },
            finish_reason: 'tool_calls',
            logprobs: null,
          },
        ],
      },
      { toolNames },
    );
    expect(out.content).toEqual([
      { type: 'thinking', thinking: 'plan', signature: '' },
      { type: 'tool_use', id: 'call_1', name: LONG_TOOL_NAME, input: { q: 'x' } },
    ]);
    expect(out.stop_reason).toBe('tool_use');
  });

  it.each([
    ['length', 'max_tokens'],
    ['content_filter', 'refusal'],
    ['tool_calls', 'tool_use'],
    ['stop', 'end_turn'],
  ] as const)('maps finish_reason %s to stop_reason %s', (finish, stop) => {
    const out = openAiToAnthropicResponse({ ...BASE, choices: [{ ...BASE.choices[0]!, finish_reason: finish }] });
    expect(out.stop_reason).toBe(stop);
  });

  it.each([
    ['no choices', { ...BASE, choices: [] }, /no choices/],
    ['bad tool JSON', { ...BASE, choices: [{ ...BASE.choices[0], message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{x' } }] } }] }, /invalid JSON arguments for tool 'f'/],
  ])('rejects an upstream body with %s as a 502', (_n, body, message) => {
    let caught: unknown;
    try {
      openAiToAnthropicResponse(body as OpenAiChatResponse);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TranslationError);
    expect((caught as TranslationError).status).toBe(502);
    expect((caught as TranslationError).message).toMatch(message);
  });
});
