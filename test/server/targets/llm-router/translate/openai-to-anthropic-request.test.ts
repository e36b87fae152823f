import { describe, expect, it } from 'vitest';
import {
  openAiToAnthropicRequest,
  TranslationError,
  type OpenAiChatRequest,
} from '../../../../../server/targets/llm-router/translate/index.js';

const PNG = 'iVBORw0KGgo=';

function req(extra: Partial<OpenAiChatRequest> = {}): OpenAiChatRequest {
  return { model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }], ...extra };
}

function error(fn: () => unknown): TranslationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TranslationError) return err;
    throw err;
  }
  throw new Error('expected a TranslationError');
}

describe('openAiToAnthropicRequest', () => {
  it('hoists every system/developer message into system, in order, and keeps the user turn', () => {
    const out = openAiToAnthropicRequest(
      req({
        messages: [
          { role: 'system', content: 'A' },
          { role: 'user', content: 'hi' },
          { role: 'developer', content: [{ type: 'text', text: 'B' }] },
        ],
      }),
    );
    expect(out.system).toEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'B' },
    ]);
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    expect(out.max_tokens).toBe(4096);
    expect(out.model).toBe('claude-sonnet');
  });

  it('merges an assistant tool_calls turn and two tool results into one user turn (tool round trip)', () => {
    const out = openAiToAnthropicRequest(
      req({
        messages: [
          { role: 'user', content: 'weather in SF and Paris?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"SF"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '15C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '20C' }] },
          { role: 'user', content: 'thanks' },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in SF and Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'SF' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '15C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '20C' }] },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  it('converts images: data URL → base64 source, https URL → url source; PDF file → document', () => {
    const out = openAiToAnthropicRequest(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            ],
          },
        ],
      }),
    );
    expect(out.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    ]);
  });

  it('maps tools, tool_choice and parallel_tool_calls:false', () => {
    const out = openAiToAnthropicRequest(
      req({
        tools: [
          { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } } },
          { type: 'function', function: { name: 'g' } },
        ],
        tool_choice: { type: 'function', function: { name: 'f' } },
        parallel_tool_calls: false,
      }),
    );
    expect(out.tools).toEqual([
      { name: 'f', description: 'd', input_schema: { type: 'object', properties: { a: { type: 'string' } } } },
      { name: 'g', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(out.tool_choice).toEqual({ type: 'tool', name: 'f', disable_parallel_tool_use: true });
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    ['none', { type: 'none' }],
  ] as const)('maps tool_choice %s', (choice, expected) => {
    expect(openAiToAnthropicRequest(req({ tool_choice: choice })).tool_choice).toEqual(expected);
  });

  it('maps sampling, stop, user and stream', () => {
    const out = openAiToAnthropicRequest(
      req({ temperature: 0.3, top_p: 0.9, stop: 'END', user: 'u-1', stream: true, max_completion_tokens: 100, seed: 7 }),
    );
    expect(out).toMatchObject({ temperature: 0.3, top_p: 0.9, stop_sequences: ['END'], metadata: { user_id: 'u-1' }, stream: true, max_tokens: 100 });
    expect(out).not.toHaveProperty('seed');
  });

  it.each([
    ['clamp', 1.5, 1],
    ['clamp', 1, 1],
    ['reject', 0.5, 0.5],
  ] as const)('temperature policy %s: %s → %s', (policy, t, expected) => {
    expect(openAiToAnthropicRequest(req({ temperature: t }), { temperature: policy }).temperature).toBe(expected);
  });

  it('maps reasoning_effort to a thinking budget, raises the default max_tokens, and drops temperature', () => {
    const out = openAiToAnthropicRequest(req({ reasoning_effort: 'medium', temperature: 0.2 }));
    expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(out.max_tokens).toBe(4096 + 2048);
    expect(out).not.toHaveProperty('temperature');
  });

  it.each<[string, Partial<OpenAiChatRequest>, string | null, RegExp]>([
    ['n:2', { n: 2 }, 'n', /n > 1/],
    ['temperature 1.5 under reject', { temperature: 1.5 }, 'temperature', /above 1/],
    ['temperature 3', { temperature: 3 }, 'temperature', /between 0 and 2/],
    ['logprobs', { logprobs: true }, 'logprobs', /logprobs/],
    ['json_schema', { response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, 'response_format', /json_schema/],
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens', /positive integer/],
    ['budget ≥ max_tokens', { reasoning_effort: 'high', max_tokens: 4096 }, 'max_tokens', /thinking budget/],
    ['empty messages', { messages: [] }, 'messages', /must not be empty/],
    ['stop of numbers', { stop: [1, 2] as never }, 'stop', /array of strings/],
    ['messages not an array', { messages: 'hi' as never }, 'messages', /must be an array/],
    ['unknown role', { messages: [{ role: 'robot' as never, content: 'x' }] }, 'messages[0].role', /not a chat role/],
    [
      'bad tool arguments JSON',
      { messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] },
      'messages[0].tool_calls[0].function.arguments',
      /not valid JSON/,
    ],
    [
      'tool arguments not an object',
      { messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] },
      'messages[0].tool_calls[0].function.arguments',
      /JSON object/,
    ],
    ['tool message without id', { messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /non-empty string/],
    ['image with ftp URL', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] }, 'messages[0].content[0]', /data URL or an http/],
    ['unknown part type', { messages: [{ role: 'user', content: [{ type: 'input_audio' } as never] }] }, 'messages[0].content[0].type', /not supported/],
    ['non-object tool schema', { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }, 'tools[0].function.parameters', /object/],
  ])('rejects %s with a specific 400', (_name, extra, param, message) => {
    const err = error(() => openAiToAnthropicRequest(req(extra), { temperature: 'reject' }));
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });

  it('rejects a body that is not an object', () => {
    expect(error(() => openAiToAnthropicRequest(null as never)).message).toMatch(/JSON object/);
  });
});
