import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent as StreamEvent } from '../../../server/sse/index.js';

/**
 * Parses `bytes` fed in the given pieces, decoded as the transport decodes them; returns events, retries and how
 * many events went over `maxEventBytes`.
 */
function parse(pieces: Buffer[], maxEventBytes = Infinity): { events: StreamEvent[]; retries: number[]; oversized: number } {
  const events: StreamEvent[] = [];
  const retries: number[] = [];
  let oversized = 0;
  // The options remote-streamable-http.ts reads an MCP server's stream with.
  const parser = new SseParser((e) => events.push(e), { onRetry: (ms) => retries.push(ms), maxEventBytes, onOversized: () => void oversized++, idOnlyEvents: true });
  for (const piece of pieces) parser.feed(piece);
  return { events, retries, oversized };
}

// Everything at once: BOM, a priming event (id and retry, empty data), comments and keep-alives, a multi-line
// data, an explicit event type, CRLF and lone CR line ends, a field without a colon, multi-byte characters, an
// unknown field, an id-only event, and an unterminated event at the end (to be dropped).
const STREAM = [
  '\uFEFFid: 0\nretry: 50\ndata: \n\n',
  ': keep-alive\n\n',
  'event: message\nid: 1\ndata: {"jsonrpc":"2.0",\ndata: "method":"notifications/message"}\n\n',
  'id: 2\r\ndata: {"text":"é ✓ 😀"}\r\n\r\n',
  'data:no-space\rid:3\r\r',
  'event: ping\ndata\nunknown: x\n\n',
  'id: 4\n\n',
  'data: never finished',
].join('');

const EXPECTED: StreamEvent[] = [
  { id: '0', event: undefined, data: '' },
  { id: '1', event: 'message', data: '{"jsonrpc":"2.0",\n"method":"notifications/message"}' },
  { id: '2', event: undefined, data: '{"text":"é ✓ 😀"}' },
  { id: '3', event: undefined, data: 'no-space' },
  { id: undefined, event: 'ping', data: '' },
  { id: '4', event: undefined, data: '' },
];

describe('the event-stream parser', () => {
  it('reads every kind of line and field the format has', () => {
    const { events, retries } = parse([Buffer.from(STREAM)]);
    expect(events).toEqual(EXPECTED);
    expect(retries).toEqual([50]);
  });

  it('gives the same events however the bytes are split: at every boundary, and one byte at a time', () => {
    const bytes = Buffer.from(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { events, retries } = parse([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(events, `split at byte ${cut}`).toEqual(EXPECTED);
      expect(retries).toEqual([50]);
    }
    const single = parse(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
    expect(single.events).toEqual(EXPECTED);
  });

  it('does not end a line twice when a CRLF is split, nor merge lines when a lone CR ends a chunk', () => {
    expect(parse([Buffer.from('data: a\r'), Buffer.from('\n\r\n')]).events).toEqual([{ id: undefined, event: undefined, data: 'a' }]);
    expect(parse([Buffer.from('data: a\r'), Buffer.from('data: b\r\r')]).events).toEqual([{ id: undefined, event: undefined, data: 'a\nb' }]);
  });

  describe('with maxEventBytes', () => {
    // 40 bytes per event at most: the small events fit, the big one (id first, as servers write it) does not,
    // nor does the one whose over-long line is a comment, nor the id-less one with a field line that never ends.
    const LIMITED = [
      'id: 1\ndata: {"small":"é"}\n\n',
      `event: message\nid: 2\ndata: ${'x'.repeat(30)}\ndata: ${'y'.repeat(30)}\n\n`,
      'data: {"small":2}\r\n\r\n',
      `: ${'c'.repeat(60)}\n\n`,
      `data: ${'é'.repeat(20)}\n\n`,
      'id: 3\ndata: {"small":3}\n\n',
    ].join('');
    const LIMITED_EXPECTED: StreamEvent[] = [
      { id: '1', event: undefined, data: '{"small":"é"}' },
      { id: '2', data: '' },
      { id: undefined, event: undefined, data: '{"small":2}' },
      { id: '3', event: undefined, data: '{"small":3}' },
    ];

    it('drops an event that holds more bytes than the limit, keeps its id, and reads on', () => {
      const { events, oversized } = parse([Buffer.from(LIMITED)], 40);
      expect(events).toEqual(LIMITED_EXPECTED);
      // The big event, the over-long comment, and 20 two-byte characters: 46 bytes although only 26 characters.
      expect(oversized).toBe(3);
    });

    it('gives the same events however the bytes are split', () => {
      const bytes = Buffer.from(LIMITED);
      for (let cut = 1; cut < bytes.length; cut++) {
        const { events, oversized } = parse([bytes.subarray(0, cut), bytes.subarray(cut)], 40);
        expect(events, `split at byte ${cut}`).toEqual(LIMITED_EXPECTED);
        expect(oversized).toBe(3);
      }
      expect(parse(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)), 40).events).toEqual(LIMITED_EXPECTED);
    });

    it('tells as soon as an event goes over, without waiting for a line or the event to end', () => {
      let oversized = 0;
      const parser = new SseParser(() => expect.unreachable('no event ends'), { maxEventBytes: 1024, onOversized: () => void oversized++, idOnlyEvents: true });
      parser.feed('id: 7\ndata: ');
      for (let i = 0; i < 101; i++) parser.feed('x'.repeat(10));
      expect(oversized).toBe(0);
      parser.feed('x'.repeat(10));
      expect(oversized).toBe(1);
      // The rest of that line is skipped unread, however long it goes on.
      for (let i = 0; i < 1000; i++) parser.feed('x'.repeat(1000));
      expect(oversized).toBe(1);
    });
  });
});
