import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import { EventStreamParser, type StreamEvent } from '../../../../../server/targets/mcp-router/backends/event-stream-parser.js';

/** Parses `bytes` fed in the given pieces, decoded as the transport decodes them; returns events and retries. */
function parse(pieces: Buffer[]): { events: StreamEvent[]; retries: number[] } {
  const events: StreamEvent[] = [];
  const retries: number[] = [];
  const parser = new EventStreamParser(
    (e) => events.push(e),
    (ms) => retries.push(ms),
  );
  const decoder = new StringDecoder('utf8');
  for (const piece of pieces) parser.push(decoder.write(piece));
  return { events, retries };
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
});
