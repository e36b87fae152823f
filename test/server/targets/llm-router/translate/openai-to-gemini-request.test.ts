import { describe, expect, it } from 'vitest';
import {
  openAiToGeminiRequest,
  TranslationError,
  type OpenAiChatRequest,
} from '../../../../../server/targets/llm-router/translate/index.js';

function req(extra: Partial<OpenAiChatRequest> = {}): OpenAiChatRequest {
  return { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], ...extra };
}

describe('openAiToGeminiRequest', () => {
  it('maps system to systemInstruction, roles to user/model, and merges consecutive same-role turns', () => {
    const out = openAiToGeminiRequest(
      req({
        messages: [
          { role: 'system', content: 'S1' },
          { role: 'developer', content: 'S2' },
          { role: 'user', content: 'a' },
          { role: 'user', content: [{ type: 'text', text: 'b' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/' } }] },
          { role: 'assistant', content: 'c' },
        ],
      }),
    );
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'S1' }, { text: 'S2' }] });
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } }] },
      { role: 'model', parts: [{ text: 'c' }] },
    ]);
  });

  it('round-trips tool calls: functionCall with thoughtSignature, functionResponse names resolved by id, one turn', () => {
    const out = openAiToGeminiRequest(
      req({
        messages: [
          { role: 'user', content: 'weather + time?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' }, extra_content: { google: { thought_signature: 'c2ln' } } },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '20C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
        ],
      }),
    );
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'weather + time?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'c2ln' },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { output: '20C' } } },
          { functionResponse: { name: 'get_time', response: { output: '14:00' } } },
        ],
      },
    ]);
  });

  it('maps tools (cleaning the schema), tool_choice and generation config', () => {
    const out = openAiToGeminiRequest(
      req({
        tools: [
          {
            type: 'function',
            function: {
              name: 'f',
              description: 'd',
              parameters: {
                $schema: 'http://json-schema.org/draft-07/schema#',
                type: 'object',
                additionalProperties: false,
                properties: { a: { type: ['string', 'null'], description: 'x' }, b: { type: 'array', items: { type: 'integer', $comment: 'no' } } },
                required: ['a'],
              },
            },
          },
          { type: 'function', function: { name: 'noargs', parameters: { type: 'object', properties: {} } } },
        ],
        tool_choice: { type: 'function', function: { name: 'f' } },
        temperature: 0.2,
        top_p: 0.9,
        max_completion_tokens: 300,
        stop: ['X'],
        n: 2,
        seed: 3,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        reasoning_effort: 'low',
        response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object', properties: { k: { type: 'string' } }, additionalProperties: false } } },
      }),
    );
    expect(out.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'f',
            description: 'd',
            parameters: {
              type: 'object',
              properties: { a: { type: 'string', nullable: true, description: 'x' }, b: { type: 'array', items: { type: 'integer' } } },
              required: ['a'],
            },
          },
          { name: 'noargs' },
        ],
      },
    ]);
    expect(out.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(out.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 300,
      stopSequences: ['X'],
      candidateCount: 2,
      seed: 3,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { k: { type: 'string' } } },
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
  });

  it.each([
    ['auto', 'AUTO'],
    ['none', 'NONE'],
    ['required', 'ANY'],
  ] as const)('maps tool_choice %s to mode %s', (choice, mode) => {
    expect(openAiToGeminiRequest(req({ tool_choice: choice })).toolConfig).toEqual({ functionCallingConfig: { mode } });
  });

  it('maps an https image to fileData with a guessed MIME type and omits empty generationConfig', () => {
    const out = openAiToGeminiRequest(req({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.PNG?s=1' } }] }] }));
    expect(out.contents[0]!.parts).toEqual([{ fileData: { mimeType: 'image/png', fileUri: 'https://x.test/a.PNG?s=1' } }]);
    expect(out).not.toHaveProperty('generationConfig');
    expect(out).not.toHaveProperty('systemInstruction');
  });

  it.each<[string, Partial<OpenAiChatRequest>, string, RegExp]>([
    ['tool result for an unknown id', { messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] }, 'messages[1].tool_call_id', /matches no earlier/],
    ['only a system message', { messages: [{ role: 'system', content: 'x' }] }, 'messages', /user message/],
    ['bad arguments', { messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: 'nope' } }] }] }, 'messages[0].tool_calls[0].function.arguments', /valid JSON/],
    ['ftp image', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] }, 'messages[0].content[0].image_url.url', /data URL/],
    ['non-function tool', { tools: [{ type: 'custom' } as never] }, 'tools[0]', /function tool/],
  ])('rejects %s with a specific 400', (_n, extra, param, message) => {
    let caught: unknown;
    try {
      openAiToGeminiRequest(req(extra));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TranslationError);
    expect((caught as TranslationError).param).toBe(param);
    expect((caught as TranslationError).message).toMatch(message);
  });

  it('uses message.name when the tool_call_id is not found (clients that send name)', () => {
    const out = openAiToGeminiRequest(req({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'z', name: 'lookup', content: 'r' }] }));
    expect(out.contents[0]!.parts[1]).toEqual({ functionResponse: { name: 'lookup', response: { output: 'r' } } });
  });
});
