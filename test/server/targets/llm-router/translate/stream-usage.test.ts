import { describe, expect, it } from 'vitest';
import {
  stripUsageChunk,
  stripUsageData,
  withIncludeUsage,
  type OpenAiChatRequest,
  type OpenAiChunk,
} from '../../../../../server/targets/llm-router/translate/index.js';
import { OPENAI_REASONING_STREAM } from '../fixtures/openai-streams.js';
import { parseAll } from '../helpers.js';

const base: OpenAiChatRequest = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

describe('include_usage helpers', () => {
  it.each([
    ['stream without options', { ...base, stream: true }, { include_usage: true }, false],
    ['stream with include_usage false', { ...base, stream: true, stream_options: { include_usage: false } }, { include_usage: true }, false],
    ['stream with include_usage true', { ...base, stream: true, stream_options: { include_usage: true } }, { include_usage: true }, true],
    ['non-stream', base, undefined, false],
  ])('%s', (_n, req, upstream, wants) => {
    const before = JSON.stringify(req);
    const out = withIncludeUsage(req);
    expect(out.request.stream_options ?? undefined).toEqual(upstream);
    expect(out.clientWantsUsage).toBe(wants);
    expect(JSON.stringify(req)).toBe(before);
  });

  it('strips the usage chunk and usage fields from a pass-through stream', () => {
    const events = parseAll(OPENAI_REASONING_STREAM.replace(/"choices":\[\{/g, '"usage":null,"choices":[{'));
    const kept = events.map((e) => (e.data === '[DONE]' ? e.data : stripUsageData(e.data))).filter((d) => d !== null);
    expect(kept).toHaveLength(events.length - 1);
    expect(kept.at(-1)).toBe('[DONE]');
    expect(kept.some((d) => d!.includes('"usage"'))).toBe(false);
  });

  it('returns untouched data when there is no usage key (no JSON round trip)', () => {
    const data = '{"id":"x",  "choices":[]}';
    expect(stripUsageData(data)).toBe(data);
    expect(stripUsageData('not json "usage"')).toBe('not json "usage"');
  });

  it('stripUsageChunk drops choice-less usage chunks and deletes usage from content chunks', () => {
    const usageChunk = { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } as OpenAiChunk;
    expect(stripUsageChunk(usageChunk)).toBeNull();
    const content = { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }], usage: null } as OpenAiChunk;
    expect(stripUsageChunk(content)).toEqual({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] });
  });
});
