import { describe, expect, it } from 'vitest';
import { SseParseError, SseParser, type SseEvent } from '../../../server/sse/index.js';
import { ANTHROPIC_PARALLEL_TOOLS_STREAM, ANTHROPIC_TEXT_STREAM } from '../targets/llm-router/fixtures/anthropic-streams.js';
import { GEMINI_TEXT_STREAM } from '../targets/llm-router/fixtures/gemini-streams.js';
import { OPENAI_REASONING_STREAM } from '../targets/llm-router/fixtures/openai-streams.js';
import { parseAll } from '../targets/llm-router/helpers.js';

function parseChunks(chunks: Array<string | Uint8Array>): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e), { flushAtEnd: true });
  for (const c of chunks) parser.feed(c);
  parser.end();
  return events;
}

// The options an LLM provider stream is parsed with (serve-stream.ts): `flushAtEnd`, a size cap that throws.
describe('SseParser', () => {
  it.each([
    ['LF', 'event: a\ndata: 1\n\nevent: b\ndata: 2\n\n'],
    ['CRLF', 'event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n'],
    ['CR', 'event: a\rdata: 1\r\revent: b\rdata: 2\r\r'],
    ['mixed', 'event: a\r\ndata: 1\n\revent: b\rdata: 2\r\n\n'],
  ])('handles %s line endings', (_name, body) => {
    expect(parseAll(body)).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
  });

  it.each([
    ['multi-line data joins with LF', 'data: a\ndata: b\ndata:\n\n', [{ data: 'a\nb\n' }]],
    ['only one leading space is stripped', 'data:  two\n\n', [{ data: ' two' }]],
    ['no space after colon', 'data:x\n\n', [{ data: 'x' }]],
    ['comments are skipped', ': keep-alive\ndata: x\n: more\n\n', [{ data: 'x' }]],
    ['field without colon is an empty value', 'data\n\n', [{ data: '' }]],
    ['block with no data dispatches nothing', 'event: lonely\n\ndata: y\n\n', [{ data: 'y' }]],
    ['unknown fields and retry are ignored', 'retry: 10\nfoo: bar\ndata: z\n\n', [{ data: 'z' }]],
    ['id is reported per event', 'id: 7\ndata: a\n\ndata: b\n\n', [{ data: 'a', id: '7' }, { data: 'b' }]],
    ['id with NUL is ignored', 'id: a\0b\ndata: a\n\n', [{ data: 'a' }]],
    ['a colon inside the value is kept', 'data: {"a":"b:c"}\n\n', [{ data: '{"a":"b:c"}' }]],
    ['empty event name is dropped', 'event:\ndata: q\n\n', [{ data: 'q' }]],
    ['trailing event without blank line is flushed at end()', 'data: one\n\ndata: tail', [{ data: 'one' }, { data: 'tail' }]],
    ['trailing event ending in a line break is flushed at end()', 'data: tail\n', [{ data: 'tail' }]],
    ['[DONE] is plain data', 'data: [DONE]\n\n', [{ data: '[DONE]' }]],
  ])('%s', (_name, body, expected) => {
    expect(parseAll(body)).toEqual(expected);
  });

  it('strips a UTF-8 BOM at the start of a byte stream', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    expect(parseChunks([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual([{ data: 'x' }]);
  });

  it('treats CR at the end of one chunk and LF at the start of the next as one line end', () => {
    expect(parseChunks(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }]);
  });

  it('reassembles a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('data: 👋é\n\n');
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(parseChunks(chunks)).toEqual([{ data: '👋é' }]);
  });

  it('dispatches synchronously as soon as an event is complete', () => {
    const seen: string[] = [];
    const parser = new SseParser((e) => seen.push(e.data), { flushAtEnd: true });
    parser.feed('data: 1\n');
    expect(seen).toEqual([]);
    parser.feed('\ndata: 2');
    expect(seen).toEqual(['1']);
    parser.end();
    expect(seen).toEqual(['1', '2']);
  });

  it('reports comments to onComment', () => {
    const comments: string[] = [];
    const parser = new SseParser(() => undefined, { onComment: (c) => comments.push(c) });
    parser.feed(': ping\n:raw\n\n');
    parser.end();
    expect(comments).toEqual(['ping', 'raw']);
  });

  it.each([
    ['an unterminated line', ['x'.repeat(40)]],
    ['accumulated data lines', Array.from({ length: 10 }, () => 'data: 12345\n')],
  ])('throws SseParseError when %s exceeds maxEventBytes', (_name, chunks) => {
    const parser = new SseParser(() => undefined, { maxEventBytes: 32 });
    expect(() => chunks.forEach((c) => parser.feed(c))).toThrow(SseParseError);
  });

  it('rejects feed() after end()', () => {
    const parser = new SseParser(() => undefined);
    parser.end();
    expect(() => parser.feed('data: x\n\n')).toThrow(/after end/);
  });

  const recorded: Array<[string, string]> = [
    ['anthropic text', ANTHROPIC_TEXT_STREAM],
    ['anthropic parallel tools', ANTHROPIC_PARALLEL_TOOLS_STREAM],
    ['gemini CRLF', GEMINI_TEXT_STREAM],
    ['openai reasoning', OPENAI_REASONING_STREAM],
    ['anthropic with CRLF', ANTHROPIC_TEXT_STREAM.replace(/\n/g, '\r\n')],
    ['anthropic with CR', ANTHROPIC_TEXT_STREAM.replace(/\n/g, '\r')],
  ];

  it.each(recorded)('%s: splitting at every byte boundary yields identical events', (_name, body) => {
    const bytes = Buffer.from(body, 'utf8');
    const whole = parseChunks([bytes]);
    expect(whole.length).toBeGreaterThan(2);
    for (let k = 0; k <= bytes.length; k++) {
      const split = parseChunks([bytes.subarray(0, k), bytes.subarray(k)]);
      if (JSON.stringify(split) !== JSON.stringify(whole)) expect({ k, split }).toEqual({ k, split: whole });
    }
    expect(parseChunks(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(whole);
  });
});
