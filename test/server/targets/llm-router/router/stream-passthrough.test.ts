import { describe, expect, it } from 'vitest';
import { deltaTextChars, plainChunk } from '../../../../../server/targets/llm-router/router/stream-passthrough.js';
import { stripUsageChunk, type OpenAiChunk } from '../../../../../server/targets/llm-router/translate/index.js';

const chunk = (extra: Record<string, unknown>, delta: Record<string, unknown> = { content: 'hi' }) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null }], ...extra });

/** What the parsing path sends for a chunk with no usage numbers: the same object, minus `usage` unless kept. */
function parsed(data: string, keepUsage: boolean): unknown {
  const c = JSON.parse(data) as OpenAiChunk;
  return keepUsage ? c : stripUsageChunk(c);
}

describe('OpenAI pass-through raw fast path', () => {
  it.each([
    ['plain delta', chunk({}), false],
    ['usage:null last, client did not ask', chunk({ usage: null }), false],
    ['usage:null last, client asked', chunk({ usage: null }), true],
    ['usage:null first, client did not ask', JSON.stringify({ usage: null, ...JSON.parse(chunk({})) }), false],
    ['content quoting "usage" and "error"', chunk({}, { content: 'say \\"usage\\" or "error" and \\' }), false],
  ])('%s: forwarded without parsing, same JSON as the parsing path', (_n, data, keep) => {
    const raw = plainChunk(data, keep);
    expect(raw).toBeDefined();
    expect(JSON.parse(raw!)).toEqual(parsed(data, keep));
  });

  it.each([
    ['a usage chunk', chunk({ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })],
    ['an error object', JSON.stringify({ error: { message: 'boom', type: 'server_error' } })],
    ['a content string that is exactly "error"', chunk({}, { content: 'error' })],
    ['not an object', '[1,2]'],
    ['truncated JSON', chunk({}).slice(0, -5)],
    ['spaced usage null', chunk({}).slice(0, -1) + ', "usage": null}'],
  ])('%s takes the parsing path', (_n, data) => {
    expect(plainChunk(data, false)).toBeUndefined();
  });

  it.each([
    ['plain', { content: 'Hello' }, 5],
    ['escapes count as one character each', { content: 'a"b\\c\nd\u00e9' }, 8],
    ['astral characters count as two, like String.length', { content: 'x😀' }, 3],
    ['reasoning and content both count', { reasoning_content: 'think', content: 'ok' }, 7],
    ['null content', { content: null, tool_calls: [] }, 0],
  ])('deltaTextChars: %s', (_n, delta, n) => {
    const data = chunk({}, delta);
    const d = (JSON.parse(data) as OpenAiChunk).choices[0]!.delta;
    expect((d.content?.length ?? 0) + (d.reasoning_content?.length ?? 0)).toBe(n);
    expect(deltaTextChars(data)).toBe(n);
  });

  it('deltaTextChars reads \\u escapes as one character', () => {
    expect(deltaTextChars('{"choices":[{"delta":{"content":"\\u00e9\\u4e2d!"}}]}')).toBe(3);
  });
});
