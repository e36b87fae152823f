// The one SSE parser against the WHATWG rules for interpreting an event stream
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation), with its default
// options (spec mode). Expected values come from the spec text and its examples, not from the parser. Every case
// is fed whole, cut in two at every position (so also between CR and LF, and inside a UTF-8 sequence), and byte
// by byte.
import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../../server/sse/index.js';

interface Parsed {
  events: SseEvent[];
  retries: number[];
  comments: string[];
}

function parse(pieces: Array<string | Uint8Array>): Parsed {
  const out: Parsed = { events: [], retries: [], comments: [] };
  const parser = new SseParser((e) => out.events.push(e), { onRetry: (ms) => out.retries.push(ms), onComment: (c) => out.comments.push(c) });
  for (const p of pieces) parser.feed(p);
  parser.end();
  return out;
}

/** Every way the spec's byte stream may arrive. */
function arrivals(stream: string): Array<[string, Array<string | Uint8Array>]> {
  const bytes = Buffer.from(stream, 'utf8');
  const ways: Array<[string, Array<string | Uint8Array>]> = [['whole', [stream]]];
  for (let i = 0; i <= bytes.length; i++) ways.push([`bytes cut at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]]);
  for (let i = 0; i <= stream.length; i++) ways.push([`text cut at ${i}`, [stream.slice(0, i), '', stream.slice(i)]]);
  ways.push(['byte by byte', Array.from(bytes, (b) => Uint8Array.of(b))]);
  return ways;
}

const FIRST_EXAMPLE = 'data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n';

const CASES: Array<[string, string, Partial<Parsed> & { events: SseEvent[] }]> = [
  ['spec example: three messages, one on two lines', FIRST_EXAMPLE, { events: [{ data: 'This is the first message.' }, { data: 'This is the second message, it\nhas two lines.' }, { data: 'This is the third message.' }] }],
  ['spec example: event types', 'event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n', { events: [{ event: 'add', data: '73857293' }, { event: 'remove', data: '2153' }, { event: 'add', data: '113411' }] }],
  ['spec example: data lines join with LF', 'data: YHOO\ndata: +2\ndata: 10\n\n', { events: [{ data: 'YHOO\n+2\n10' }] }],
  // "The first block has just a comment, and will fire nothing. The second block has two fields with names "data" and
  // "id" respectively; an event will be fired for this block, with the data "first event" ... The third block fires an
  // event with data "second event", and also has an "id" field, this time with no value, which resets the last event
  // ID to the empty string ... The final block just has the data " third event" ... no event fired" (no blank line).
  ['spec example: ids, comments, an unterminated last block', ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n', { events: [{ data: 'first event', id: '1' }, { data: 'second event', id: '' }], comments: ['test stream'] }],
  // "The first block fires events with the data set to the empty string, as would the last block if it was followed
  // by a blank line. The middle block fires an event with the data set to a single newline character."
  ['spec example: empty data', 'data\n\ndata\ndata\n\ndata:\n', { events: [{ data: '' }, { data: '\n' }] }],
  ['spec example: one optional space after the colon', 'data:test\n\ndata: test\n\n', { events: [{ data: 'test' }, { data: 'test' }] }],
  ['only one leading space is stripped', 'data:  two\n\n', { events: [{ data: ' two' }] }],
  ['CRLF line ends', 'event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n', { events: [{ event: 'a', data: '1' }, { data: '2' }] }],
  ['CR line ends', 'event: a\rdata: 1\r\rdata: 2\r\r', { events: [{ event: 'a', data: '1' }, { data: '2' }] }],
  ['mixed line ends: CR then LF is one end, LF then CR two', 'data: a\r\ndata: b\n\rdata: c\r\n\n', { events: [{ data: 'a\nb' }, { data: 'c' }] }],
  ['a leading BOM is stripped, a later one is part of a field name', '\uFEFFdata: a\n\n\uFEFFdata: b\n\n', { events: [{ data: 'a' }] }],
  ['an id with NUL is ignored', 'id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n', { events: [{ id: '1', data: 'a' }, { data: 'b' }] }],
  ['retry: digits only set the reconnection time', 'retry: 1000\ndata: a\n\nretry: 10x\nretry: -5\nretry\n\nretry: 20\n\n', { events: [{ data: 'a' }], retries: [1000, 20] }],
  ['a block without data fires nothing and resets the event type', 'event: lonely\nid: 5\n\ndata: y\n\n', { events: [{ id: undefined, data: 'y' }] }],
  ['an empty event type means message', 'event:\ndata: q\n\n', { events: [{ data: 'q' }] }],
  ['unknown fields are ignored, a colon in a value is kept', 'foo: bar\nDATA: no\ndata: {"a":"b:c"}\n\n', { events: [{ data: '{"a":"b:c"}' }] }],
  ['comments are ignored wherever they are', ':a\ndata: x\n: b\n\n', { events: [{ data: 'x' }], comments: ['a', 'b'] }],
  ['the end of the stream drops an unterminated event', 'data: done\n\ndata: cut', { events: [{ data: 'done' }] }],
  ['multi-byte characters survive any cut', 'data: é ✓ 😀\n\n', { events: [{ data: 'é ✓ 😀' }] }],
];

describe('SseParser: WHATWG event-stream interpretation', () => {
  it.each(CASES)('%s', (_name, stream, expected) => {
    const want: Parsed = { retries: [], comments: [], ...expected };
    for (const [how, pieces] of arrivals(stream)) expect(parse(pieces), how).toEqual(want);
  });
});
