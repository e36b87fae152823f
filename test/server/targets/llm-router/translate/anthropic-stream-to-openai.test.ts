import { describe, expect, it } from 'vitest';
import {
  AnthropicToOpenAiStream,
  type OpenAiChunk,
  type OpenAiErrorBody,
} from '../../../../../server/targets/llm-router/translate/index.js';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  ANTHROPIC_ERROR_STREAM,
  ANTHROPIC_PARALLEL_TOOLS_STREAM,
  ANTHROPIC_TEXT_STREAM,
  ANTHROPIC_TRUNCATED_STREAM,
} from '../fixtures/anthropic-streams.js';
import { assembleOpenAi } from '../grammar.js';
import { pump, recorder, stable } from '../helpers.js';

function run(body: string | Array<string | Uint8Array>, includeUsage = false) {
  const rec = recorder<OpenAiChunk, OpenAiErrorBody>();
  const tr = new AnthropicToOpenAiStream(rec.sink, { includeUsage, model: 'claude-alias' });
  pump(tr, typeof body === 'string' ? [body] : body);
  return { rec, tr };
}

describe('AnthropicToOpenAiStream', () => {
  it('translates a text stream: role first, text, one finish_reason, done last', () => {
    const { rec } = run(ANTHROPIC_TEXT_STREAM);
    const msg = assembleOpenAi(rec.items);
    expect(msg.content).toBe('Hello, wörld 👋 你好');
    expect(msg.finishReason).toBe('stop');
    expect(rec.items[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(rec.items.every((c) => c.model === 'claude-alias' && c.id === 'msg_01XFDUDYJgAACzvnptvVoYEL')).toBe(true);
    expect(rec.log.at(-1)).toEqual({ kind: 'done' });
    expect(rec.doneCount).toBe(1);
    expect(rec.errors).toEqual([]);
    // Without include_usage there is no usage field and no choice-less chunk.
    expect(rec.items.some((c) => 'usage' in c)).toBe(false);
  });

  it('emits usage:null on every chunk and one final usage chunk when include_usage is set', () => {
    const { rec, tr } = run(ANTHROPIC_TEXT_STREAM, true);
    const msg = assembleOpenAi(rec.items);
    expect(rec.items.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    // 25 uncached + 2000 cache read + 100 cache write; output is the message_delta count, not the placeholder 1.
    const expected = {
      prompt_tokens: 2125,
      completion_tokens: 15,
      total_tokens: 2140,
      prompt_tokens_details: { cached_tokens: 2000, cache_creation_tokens: 100 },
    };
    expect(msg.usage).toEqual(expected);
    expect(tr.usage).toEqual(expected);
  });

  it('translates thinking and parallel tool calls with OpenAI tool indexes 0 and 1', () => {
    const { rec, tr } = run(ANTHROPIC_PARALLEL_TOOLS_STREAM, true);
    const msg = assembleOpenAi(rec.items);
    expect(msg.reasoning).toBe('Both cities, in parallel.');
    expect(msg.content).toBe('Checking both.');
    expect(msg.finishReason).toBe('tool_calls');
    expect(msg.toolCalls).toEqual([
      { id: 'toolu_01A', name: 'get_weather', arguments: '{"location": "San Francisco, CA"}' },
      { id: 'toolu_01B', name: 'get_weather', arguments: '{"location": "Paris"}' },
    ]);
    // Tool indexes count tool calls (0, 1), not Anthropic blocks (2, 3).
    const indexes = rec.items.flatMap((c) => (c.choices[0]?.delta.tool_calls ?? []).map((t) => t.index));
    expect(new Set(indexes)).toEqual(new Set([0, 1]));
    expect(JSON.stringify(rec.items)).not.toContain('EqQBCgIYAhIM');
    expect(tr.usage.completion_tokens).toBe(89);
  });

  it.each([
    ['text', ANTHROPIC_TEXT_STREAM],
    ['parallel tools', ANTHROPIC_PARALLEL_TOOLS_STREAM],
  ])('%s: output is identical when the upstream bytes are split at every boundary', (_n, body) => {
    const bytes = Buffer.from(body);
    const whole = stable(run([bytes], true).rec.log);
    for (let k = 1; k < bytes.length; k++) {
      const split = stable(run([bytes.subarray(0, k), bytes.subarray(k)], true).rec.log);
      if (split !== whole) expect({ k, split }).toEqual({ k, split: whole });
    }
  });

  it('turns a mid-stream overloaded error into an OpenAI error and never signals done', () => {
    const { rec } = run(ANTHROPIC_ERROR_STREAM);
    expect(rec.doneCount).toBe(0);
    expect(rec.errors).toEqual([{ error: { message: 'Overloaded', type: 'server_error', code: 'overloaded', param: null } }]);
    expect(rec.log.at(-1)?.kind).toBe('error');
    expect(rec.items.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('Partial');
    expect(rec.items.some((c) => c.choices[0]!.finish_reason !== null)).toBe(false);
  });

  it('reports a stream cut before message_stop as an error, not a clean end', () => {
    const { rec, tr } = run(ANTHROPIC_TRUNCATED_STREAM);
    expect(rec.doneCount).toBe(0);
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]!.error.code).toBe('upstream_stream_truncated');
    expect(rec.items.some((c) => c.choices[0]?.finish_reason)).toBe(false);
    expect(tr.finished).toBe(true);
    // message_start's output_tokens:1 is a placeholder; without message_delta nothing was counted yet.
    expect(tr.usage).toMatchObject({ prompt_tokens: 2125, completion_tokens: 0 });
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    const body = ANTHROPIC_TEXT_STREAM.replace('"stop_reason":"end_turn"', `"stop_reason":"${stop}"`);
    expect(assembleOpenAi(run(body).rec.items).finishReason).toBe(finish);
  });

  it('treats a non-JSON event as a protocol error and ignores everything after a terminal event', () => {
    const rec = recorder<OpenAiChunk, OpenAiErrorBody>();
    const tr = new AnthropicToOpenAiStream(rec.sink);
    tr.push({ event: 'message_start', data: '{not json' });
    tr.push({ data: '{"type":"message_stop"}' });
    tr.end();
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]!.error.code).toBe('upstream_protocol_error');
    expect(rec.items).toEqual([]);
    expect(rec.doneCount).toBe(0);
  });

  it('abort() surfaces a caller error (socket reset) exactly once', () => {
    const rec = recorder<OpenAiChunk, OpenAiErrorBody>();
    const tr = new AnthropicToOpenAiStream(rec.sink);
    const err = { error: { message: 'reset', type: 'server_error', code: 'ECONNRESET', param: null } };
    tr.abort(err);
    tr.abort(err);
    tr.end();
    expect(rec.log).toEqual([{ kind: 'error', value: err }]);
  });

  it('produces chunks assignable to the openai SDK ChatCompletionChunk type', () => {
    const chunks: ChatCompletionChunk[] = run(ANTHROPIC_PARALLEL_TOOLS_STREAM, true).rec.items;
    expect(chunks.length).toBeGreaterThan(5);
  });
});
