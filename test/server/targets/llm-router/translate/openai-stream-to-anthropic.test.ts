import { describe, expect, it } from 'vitest';
import {
  OpenAiToAnthropicStream,
  shortenToolName,
  type AnthropicErrorBody,
  type AnthropicStreamEvent,
} from '../../../../../server/targets/llm-router/translate/index.js';
import {
  LONG_TOOL_NAME,
  OPENAI_ERROR_STREAM,
  OPENAI_NO_USAGE_STREAM,
  OPENAI_REASONING_STREAM,
  OPENAI_TRUNCATED_STREAM,
  openAiParallelToolsStream,
} from '../fixtures/openai-streams.js';
import { assembleAnthropic } from '../grammar.js';
import { pump, recorder, stable } from '../helpers.js';

function run(body: string | Array<string | Uint8Array>, toolNames?: ReadonlyMap<string, string>) {
  const rec = recorder<AnthropicStreamEvent, AnthropicErrorBody>();
  const tr = new OpenAiToAnthropicStream(rec.sink, { model: 'claude-alias', toolNames });
  pump(tr, typeof body === 'string' ? [body] : body);
  return { rec, tr };
}

describe('OpenAiToAnthropicStream', () => {
  it('translates reasoning then text into thinking and text blocks, with final usage in message_delta', () => {
    const { rec, tr } = run(OPENAI_REASONING_STREAM);
    const msg = assembleAnthropic(rec.items);
    expect(msg.blocks).toEqual([
      { type: 'thinking', text: '', thinking: 'Think first.' },
      { type: 'text', text: 'Hello thére', thinking: '' },
    ]);
    expect(msg.stopReason).toBe('end_turn');
    // Checklist 9: message_delta carries the final output_tokens; input excludes the 8 cached tokens.
    expect(msg.usage).toEqual({ input_tokens: 12, output_tokens: 30, cache_read_input_tokens: 8 });
    expect(rec.items[0]).toMatchObject({ type: 'message_start', message: { model: 'claude-alias', usage: { input_tokens: 0, output_tokens: 0 } } });
    expect(rec.log.at(-1)).toEqual({ kind: 'done' });
    expect(rec.doneCount).toBe(1);
    expect(tr.usage?.total_tokens).toBe(50);
  });

  it('holds message_delta until the usage chunk that follows finish_reason', () => {
    const { rec } = run(OPENAI_REASONING_STREAM);
    const types = rec.items.map((e) => e.type);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(types.filter((t) => t === 'message_delta')).toHaveLength(1);
  });

  it('translates parallel tool calls into consecutive tool_use blocks and restores a long tool name', () => {
    const short = shortenToolName(LONG_TOOL_NAME);
    const { rec } = run(openAiParallelToolsStream(short), new Map([[short, LONG_TOOL_NAME]]));
    const msg = assembleAnthropic(rec.items);
    expect(msg.blocks).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'get_weather', json: '{"location": "Paris"}' },
      { type: 'tool_use', id: 'call_b', name: LONG_TOOL_NAME, json: '{"q":"x"}' },
    ]);
    expect(msg.stopReason).toBe('tool_use');
    expect(msg.usage).toEqual({ input_tokens: 100, output_tokens: 40 });
  });

  it.each([
    ['reasoning', OPENAI_REASONING_STREAM],
    ['parallel tools', openAiParallelToolsStream('get_time')],
  ])('%s: output is identical when the upstream bytes are split at every boundary', (_n, body) => {
    const bytes = Buffer.from(body);
    const whole = stable(run([bytes]).rec.log);
    for (let k = 1; k < bytes.length; k++) {
      const split = stable(run([bytes.subarray(0, k), bytes.subarray(k)]).rec.log);
      if (split !== whole) expect({ k, split }).toEqual({ k, split: whole });
    }
  });

  it('completes at [DONE] when the upstream never sends usage', () => {
    const { rec } = run(OPENAI_NO_USAGE_STREAM);
    const msg = assembleAnthropic(rec.items);
    expect(msg.stopReason).toBe('max_tokens');
    expect(msg.usage).toEqual({ input_tokens: 0, output_tokens: 0 });
    expect(rec.doneCount).toBe(1);
  });

  it('completes at EOF after finish_reason even without [DONE]', () => {
    const { rec } = run(OPENAI_NO_USAGE_STREAM.replace('data: [DONE]\n\n', ''));
    expect(assembleAnthropic(rec.items).stopReason).toBe('max_tokens');
    expect(rec.doneCount).toBe(1);
  });

  it('turns a cut stream into an Anthropic error event and never message_stop', () => {
    const { rec } = run(OPENAI_TRUNCATED_STREAM);
    expect(rec.doneCount).toBe(0);
    expect(rec.errors).toEqual([{ type: 'error', error: { type: 'api_error', message: expect.stringContaining('no finish_reason') } }]);
    expect(rec.items.some((e) => e.type === 'message_stop')).toBe(false);
  });

  it('turns an upstream error object into an Anthropic error of the matching type', () => {
    const { rec } = run(OPENAI_ERROR_STREAM);
    expect(rec.errors).toEqual([{ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached' } }]);
    expect(rec.doneCount).toBe(0);
  });

  it('translates only choice 0 when the upstream streams several choices', () => {
    const body = OPENAI_NO_USAGE_STREAM.replace('"index":0,"delta":{"role":"assistant","content":"Hi"}', '"index":1,"delta":{"role":"assistant","content":"Other"}');
    const { rec } = run(OPENAI_NO_USAGE_STREAM.replace('data: [DONE]', body.split('\n\n')[0] + '\n\ndata: [DONE]'));
    const msg = assembleAnthropic(rec.items);
    expect(msg.blocks).toEqual([{ type: 'text', text: 'Hi', thinking: '' }]);
  });

  it('reports a stream with nothing but [DONE] as truncated', () => {
    const { rec } = run('data: [DONE]\n\n');
    expect(rec.items).toEqual([]);
    expect(rec.errors).toHaveLength(1);
  });
});
