import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import {
  GeminiToOpenAiStream,
  geminiToOpenAiResponse,
  type GeminiResponse,
  type OpenAiChunk,
  type OpenAiErrorBody,
} from '../../../../../server/targets/llm-router/translate/index.js';
import {
  GEMINI_BLOCKED_STREAM,
  GEMINI_FUNCTION_CALL_STREAM,
  GEMINI_SAFETY_STREAM,
  GEMINI_TEXT_STREAM,
  GEMINI_TRUNCATED_STREAM,
} from '../fixtures/gemini-streams.js';
import { assembleOpenAi } from '../grammar.js';
import { pump, recorder, stable } from '../helpers.js';

function run(body: string | Array<string | Uint8Array>, includeUsage = true) {
  const rec = recorder<OpenAiChunk, OpenAiErrorBody>();
  const tr = new GeminiToOpenAiStream(rec.sink, { includeUsage, model: 'gem-alias' });
  pump(tr, typeof body === 'string' ? [body] : body);
  return { rec, tr };
}

describe('geminiToOpenAiResponse', () => {
  it('translates text, thoughts and usage (thoughts inside completion_tokens)', () => {
    const res: GeminiResponse = {
      candidates: [{ content: { role: 'model', parts: [{ text: 'why', thought: true }, { text: 'Hi' }, { text: '!' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 5, thoughtsTokenCount: 40, cachedContentTokenCount: 60, totalTokenCount: 145 },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'r1',
    };
    const out: ChatCompletion = geminiToOpenAiResponse(res);
    expect(out).toMatchObject({ id: 'r1', model: 'gemini-2.5-pro', object: 'chat.completion' });
    expect(out.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'Hi!', refusal: null, reasoning_content: 'why' }, finish_reason: 'stop', logprobs: null },
    ]);
    expect(out.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 45,
      total_tokens: 145,
      prompt_tokens_details: { cached_tokens: 60 },
      completion_tokens_details: { reasoning_tokens: 40 },
    });
  });

  it('maps STOP with function calls to tool_calls, prefers functionCall.id and keeps the thought signature', () => {
    const out = geminiToOpenAiResponse({
      candidates: [
        {
          content: { role: 'model', parts: [{ functionCall: { id: 'fc-1', name: 'f', args: { a: 1 } }, thoughtSignature: 'sig' }, { functionCall: { name: 'g' } }] },
          finishReason: 'STOP',
        },
      ],
    });
    const msg = out.choices[0]!.message;
    expect(out.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.content).toBeNull();
    expect(msg.tool_calls?.[0]).toEqual({ id: 'fc-1', type: 'function', function: { name: 'f', arguments: '{"a":1}' }, extra_content: { google: { thought_signature: 'sig' } } });
    expect(msg.tool_calls?.[1]).toMatchObject({ type: 'function', function: { name: 'g', arguments: '{}' } });
    expect(msg.tool_calls?.[1]?.id).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['RECITATION', 'stop'],
    ['OTHER', 'stop'],
    ['MALFORMED_FUNCTION_CALL', 'stop'],
  ])('maps finishReason %s to %s', (reason, finish) => {
    const out = geminiToOpenAiResponse({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: reason }] });
    expect(out.choices[0]!.finish_reason).toBe(finish);
  });

  it('turns a blocked prompt (no candidates) into one content_filter choice', () => {
    const out = geminiToOpenAiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } });
    expect(out.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, finish_reason: 'content_filter', logprobs: null }]);
    expect(out.usage).toEqual({ prompt_tokens: 8, completion_tokens: 0, total_tokens: 8 });
  });

  it('maps several candidates to several choices', () => {
    const out = geminiToOpenAiResponse({
      candidates: [
        { content: { parts: [{ text: 'a' }] }, finishReason: 'STOP', index: 0 },
        { content: { parts: [{ text: 'b' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
    });
    expect(out.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'a', 'stop'],
      [1, 'b', 'length'],
    ]);
  });
});

describe('GeminiToOpenAiStream', () => {
  it('translates thoughts and text, emits usage once at the end from the last usageMetadata', () => {
    const { rec, tr } = run(GEMINI_TEXT_STREAM);
    const msg = assembleOpenAi(rec.items);
    expect(msg.reasoning).toBe('Weighing it.');
    expect(msg.content).toBe('The answer is 42 ✓.');
    expect(msg.finishReason).toBe('stop');
    expect(rec.items.filter((c) => c.usage).length).toBe(1);
    expect(msg.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 25,
      total_tokens: 35,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 20 },
    });
    expect(tr.usage.total_tokens).toBe(35);
    expect(rec.items.every((c) => c.id === 'resp-gem-1' && c.model === 'gem-alias')).toBe(true);
    expect(rec.log.at(-1)).toEqual({ kind: 'done' });
  });

  it('emits whole parallel function calls with indexes 0 and 1 and finish_reason tool_calls', () => {
    const { rec } = run(GEMINI_FUNCTION_CALL_STREAM);
    const msg = assembleOpenAi(rec.items);
    expect(msg.finishReason).toBe('tool_calls');
    expect(msg.toolCalls.map((t) => [t.name, JSON.parse(t.arguments)])).toEqual([
      ['get_weather', { location: 'Paris' }],
      ['get_time', { tz: 'CET' }],
    ]);
    const first = rec.items.find((c) => c.choices[0]?.delta.tool_calls)!;
    expect(first.choices[0]!.delta.tool_calls?.[0]?.extra_content).toEqual({ google: { thought_signature: 'c2lnLTE=' } });
  });

  it.each([
    ['blocked prompt', GEMINI_BLOCKED_STREAM, ''],
    ['safety stop mid-answer', GEMINI_SAFETY_STREAM, 'Sure, here'],
  ])('%s ends with finish_reason content_filter', (_n, body, content) => {
    const { rec } = run(body);
    const msg = assembleOpenAi(rec.items);
    expect(msg.finishReason).toBe('content_filter');
    expect(msg.content).toBe(content);
    expect(rec.doneCount).toBe(1);
  });

  it('omits usage entirely when the client did not ask for it', () => {
    const { rec } = run(GEMINI_TEXT_STREAM, false);
    expect(rec.items.some((c) => 'usage' in c)).toBe(false);
    expect(assembleOpenAi(rec.items).usage).toBeNull();
  });

  it.each([
    ['text', GEMINI_TEXT_STREAM],
    ['function calls', GEMINI_FUNCTION_CALL_STREAM],
  ])('%s: output is identical when the upstream bytes are split at every boundary', (_n, body) => {
    const bytes = Buffer.from(body);
    const whole = stable(run([bytes]).rec.log);
    for (let k = 1; k < bytes.length; k++) {
      const split = stable(run([bytes.subarray(0, k), bytes.subarray(k)]).rec.log);
      if (split !== whole) expect({ k, split }).toEqual({ k, split: whole });
    }
  });

  it('reports a stream cut before finishReason as an error', () => {
    const { rec } = run(GEMINI_TRUNCATED_STREAM);
    expect(rec.doneCount).toBe(0);
    expect(rec.errors[0]!.error.code).toBe('upstream_stream_truncated');
  });

  it('reports an error object in the stream with its Google status as the code', () => {
    const { rec } = run('data: {"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}\r\n\r\n');
    expect(rec.errors).toEqual([{ error: { message: 'Resource exhausted', type: 'rate_limit_error', code: 'RESOURCE_EXHAUSTED', param: null } }]);
    expect(rec.items).toEqual([]);
  });
});
