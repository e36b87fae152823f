import { describe, expect, it } from 'vitest';
import {
  anthropicToOpenAiRequest,
  shortenToolName,
  TranslationError,
  type AnthropicRequest,
} from '../../../../../server/targets/llm-router/translate/index.js';
import { LONG_TOOL_NAME } from '../fixtures/openai-streams.js';

function req(extra: Partial<AnthropicRequest> = {}): AnthropicRequest {
  return { model: 'claude-via-qwen', max_tokens: 512, messages: [{ role: 'user', content: 'hi' }], ...extra };
}

describe('anthropicToOpenAiRequest', () => {
  it('maps system, text, parameters, thinking, stream and forces include_usage upstream', () => {
    const { request } = anthropicToOpenAiRequest(
      req({
        system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.' }],
        temperature: 0.5,
        top_p: 0.8,
        top_k: 5,
        stop_sequences: ['STOP'],
        metadata: { user_id: 'u-9' },
        thinking: { type: 'enabled', budget_tokens: 4000 },
        stream: true,
      }),
      { model: 'qwen-max' },
    );
    expect(request).toEqual({
      model: 'qwen-max',
      messages: [
        { role: 'system', content: 'Be brief.\nBe kind.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 512,
      temperature: 0.5,
      top_p: 0.8,
      stop: ['STOP'],
      user: 'u-9',
      reasoning_effort: 'medium',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('splits tool_result blocks into tool messages placed before the remaining user content', () => {
    const { request } = anthropicToOpenAiRequest(
      req({
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'x', signature: 's' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'SF' } },
              { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'here you go' },
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '15C' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '20C' }], is_error: false },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA=' } },
            ],
          },
        ],
      }),
    );
    expect(request.messages).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"SF"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '15C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: '20C' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'here you go' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA=' } },
        ],
      },
    ]);
  });

  it('maps tools, tool_choice any and disable_parallel_tool_use, shortening names over 64 characters', () => {
    const { request, toolNames } = anthropicToOpenAiRequest(
      req({
        tools: [
          { name: 'short', description: 'd', input_schema: { type: 'object', properties: {} } },
          { name: LONG_TOOL_NAME, input_schema: { type: 'object' } },
        ],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
      }),
    );
    const short = shortenToolName(LONG_TOOL_NAME);
    expect(short).toHaveLength(64);
    expect(request.tools).toEqual([
      { type: 'function', function: { name: 'short', description: 'd', parameters: { type: 'object', properties: {} } } },
      { type: 'function', function: { name: short, parameters: { type: 'object' } } },
    ]);
    expect(request.tool_choice).toBe('required');
    expect(request.parallel_tool_calls).toBe(false);
    expect([...toolNames]).toEqual([[short, LONG_TOOL_NAME]]);
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'none' }, 'none'],
    [{ type: 'tool', name: 'f' }, { type: 'function', function: { name: 'f' } }],
  ] as const)('maps tool_choice %j', (choice, expected) => {
    expect(anthropicToOpenAiRequest(req({ tool_choice: choice })).request.tool_choice).toEqual(expected);
  });

  it.each([
    [1024, 'low'],
    [8192, 'medium'],
    [16000, 'high'],
  ] as const)('maps thinking budget %i to reasoning_effort %s', (budget, effort) => {
    expect(anthropicToOpenAiRequest(req({ thinking: { type: 'enabled', budget_tokens: budget } })).request.reasoning_effort).toBe(effort);
  });

  it('maps a base64 PDF document to a file part and a text document to text', () => {
    const { request } = anthropicToOpenAiRequest(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'r.pdf' },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain' } },
            ],
          },
        ],
      }),
    );
    expect(request.messages[0]!.content).toEqual([
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'r.pdf' } },
      { type: 'text', text: 'plain' },
    ]);
  });

  it.each<[string, Partial<AnthropicRequest>, string, RegExp]>([
    ['missing max_tokens', { max_tokens: undefined as never }, 'max_tokens', /positive integer/],
    ['bad role', { messages: [{ role: 'system' as never, content: 'x' }] }, 'messages[0].role', /user or assistant/],
    ['server tool', { tools: [{ type: 'web_search_20250305', name: 'web_search', input_schema: {} }] }, 'tools[0].type', /server tool/],
    ['tool_result without id', { messages: [{ role: 'user', content: [{ type: 'tool_result' } as never] }] }, 'messages[0].content[0].tool_use_id', /non-empty/],
    ['unknown block', { messages: [{ role: 'user', content: [{ type: 'audio' } as never] }] }, 'messages[0].content[0].type', /not supported/],
    ['content not array', { messages: [{ role: 'user', content: 5 as never }] }, 'messages[0].content', /array/],
    ['bad tool_choice', { tool_choice: { type: 'sometimes' as never } }, 'tool_choice.type', /auto, any, none or tool/],
    ['system block not text', { system: [{ type: 'image' } as never] }, 'system[0]', /text block/],
  ])('rejects %s with a specific 400', (_name, extra, param, message) => {
    let caught: unknown;
    try {
      anthropicToOpenAiRequest(req(extra));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TranslationError);
    expect((caught as TranslationError).param).toBe(param);
    expect((caught as TranslationError).message).toMatch(message);
  });
});
