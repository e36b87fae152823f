/** One event of a `text/event-stream`, as far as an MCP client cares. */
export interface StreamEvent {
  /** The `id:` field of this event, when it had one (an empty one clears the client's last event id). */
  readonly id?: string;
  /** The `event:` field; absent means `message`. */
  readonly event?: string;
  /** The `data:` lines joined with `\n`; empty for an event without data (a priming event with only an id). */
  readonly data: string;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/**
 * An incremental parser for the server-sent events format
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation), fed decoded text
 * in chunks cut anywhere (decoded with a `StringDecoder`, which never splits a character). Lines end in LF, CRLF
 * or CR, even when a CRLF is split between chunks; comments are skipped; `retry:` is reported on its own. Unlike
 * a browser it reports an event that has an `id:` but no data, because the id alone is what a client resumes
 * from. An unterminated event when the stream ends is dropped, as the format requires.
 *
 * With `maxEventBytes`, an event may hold at most that many bytes of field lines, and so may any line (a comment
 * too) while it arrives: the moment one grows past it, `onOversized` is told, what the event held is dropped and
 * its further lines are skipped unread, so the parser never holds more than the limit. When the event ends, only
 * its id (if that came before) is reported.
 */
export class EventStreamParser {
  private partial = '';
  /** UTF-8 bytes of `partial`. */
  private partialBytes = 0;
  /** The line still arriving had content, dropped because its event is oversized. */
  private partialDropped = false;
  private afterCR = false;
  private started = false;
  private data: string | undefined;
  private event: string | undefined;
  private id: string | undefined;
  /** UTF-8 bytes of the field lines of the current event. */
  private size = 0;
  /** The current event went over `maxEventBytes`: skipped to its end. */
  private skipping = false;

  constructor(
    private readonly onEvent: (event: StreamEvent) => void,
    private readonly onRetry?: (ms: number) => void,
    private readonly limit: EventSizeLimit = { maxEventBytes: Infinity },
  ) {}

  /** Feeds the next piece of the stream; calls `onEvent` for every event it completes. */
  push(chunk: string): void {
    let start = 0;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.afterCR && chunk.length > start) {
      // The last chunk ended in CR: an LF opening this one ends that same line.
      this.afterCR = false;
      if (chunk.charCodeAt(start) === LF) start++;
    }
    let nextCR = chunk.indexOf('\r', start);
    let nextLF = chunk.indexOf('\n', start);
    while (nextCR !== -1 || nextLF !== -1) {
      const end = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextCR, nextLF);
      const piece = chunk.slice(start, end);
      const line = this.partial ? this.partial + piece : piece;
      const bytes = this.partialBytes + Buffer.byteLength(piece);
      const dropped = this.partialDropped;
      this.partial = '';
      this.partialBytes = 0;
      this.partialDropped = false;
      this.line(line, bytes, dropped);
      start = end + 1;
      if (chunk.charCodeAt(end) === CR) {
        if (start === chunk.length) this.afterCR = true;
        else if (chunk.charCodeAt(start) === LF) start++;
      }
      if (nextCR !== -1 && nextCR < start) nextCR = chunk.indexOf('\r', start);
      if (nextLF !== -1 && nextLF < start) nextLF = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.grow(chunk.slice(start));
  }

  /** Keeps the start of a line still arriving, unless that takes its event over the limit. */
  private grow(rest: string): void {
    if (!this.skipping) {
      this.partialBytes += Buffer.byteLength(rest);
      if (this.size + this.partialBytes <= this.limit.maxEventBytes) {
        this.partial += rest;
        return;
      }
      this.overflow();
    }
    this.partialDropped = true;
  }

  /** One whole line: `dropped`, it had content that was not kept (an oversized event's). */
  private line(line: string, bytes: number, dropped: boolean): void {
    if (line.length === 0 && !dropped) return this.dispatch();
    if (this.skipping) return;
    // Checked before a comment is skipped too: while it arrived it was held as a line like any other.
    if (this.size + bytes > this.limit.maxEventBytes) return this.overflow();
    if (line.charCodeAt(0) === COLON) return;
    this.size += bytes;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    switch (field) {
      case 'data':
        this.data = this.data === undefined ? value : `${this.data}\n${value}`;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry?.(Number(value));
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  /** The current event is over the limit: what it held goes, its id stays (an id is what a resumption needs). */
  private overflow(): void {
    this.skipping = true;
    this.data = this.event = undefined;
    this.partial = '';
    this.partialBytes = 0;
    this.limit.onOversized?.();
  }

  private dispatch(): void {
    const { data, event, id, skipping } = this;
    this.data = this.event = this.id = undefined;
    this.size = 0;
    this.skipping = false;
    if (skipping) {
      if (id !== undefined) this.onEvent({ id, data: '' });
      return;
    }
    if (data === undefined && id === undefined) return;
    this.onEvent({ id, event, data: data ?? '' });
  }
}

/** The most one event may hold, and whom to tell when one would hold more. */
export interface EventSizeLimit {
  /** Bytes of field lines (UTF-8) one event may hold; Infinity: no limit. */
  readonly maxEventBytes: number;
  /** Told once per oversized event, as soon as it goes over. */
  readonly onOversized?: () => void;
}
