/**
 * The one incremental parser for `text/event-stream` (WHATWG HTML "Interpreting an event stream",
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation), used for LLM
 * provider streams and remote MCP servers alike. Upstream bytes arrive split anywhere (inside a UTF-8 sequence,
 * between CR and LF, in a field), so every per-event transform sits behind this one framer; parsing raw chunks is
 * the bug Higress fixed in higress-group/higress#4616. Written for speed (indexOf scans, no regex per line):
 * see docs/benchmarks.md.
 */
import { StringDecoder } from 'node:string_decoder';

/** One event of a `text/event-stream`. */
export interface SseEvent {
  /** The `event:` field; absent (or empty in the stream) means `message`. */
  readonly event?: string;
  /** The `data:` lines joined with `\n`; empty for an id-only event (see `idOnlyEvents`). */
  readonly data: string;
  /** The `id:` field of this event, when it had one (an empty one clears the client's last event id). */
  readonly id?: string;
}

/** Options for {@link SseParser}; the defaults follow the spec exactly. */
export interface SseParserOptions {
  /** Called for each comment line (`: text`, one leading space stripped), e.g. to forward keep-alives. */
  readonly onComment?: (text: string) => void;
  /** Called for each `retry:` field made only of ASCII digits, with its value in milliseconds. */
  readonly onRetry?: (ms: number) => void;
  /** Bytes (UTF-8) of field lines one event may hold, and any line while it arrives; default 16 MiB. */
  readonly maxEventBytes?: number;
  /**
   * Called once per oversized event, as soon as it goes over: what the event held is dropped, its further lines are
   * skipped unread, and when it ends only its id (if that came first) is reported. Without it, `feed` throws
   * {@link SseParseError}. Either way the parser never holds more than the limit.
   */
  readonly onOversized?: () => void;
  /**
   * Report an event that has an `id:` but no data (the spec dispatches nothing): an MCP client resumes from the
   * id alone (a server's priming event).
   */
  readonly idOnlyEvents?: boolean;
  /**
   * At `end()`, dispatch an event the stream left unterminated (the spec drops it): a provider that closes right
   * after its last `data:` line has still sent a whole chunk (its usage, its `[DONE]`).
   */
  readonly flushAtEnd?: boolean;
}

/** Thrown when a stream exceeds the size cap and no `onOversized` is given. */
export class SseParseError extends Error {
  override readonly name = 'SseParseError';
}

const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/** Stateful SSE parser: `feed()` chunks of any size (bytes or decoded text, not both), `end()` once at the end. */
export class SseParser {
  // StringDecoder rather than TextDecoder: a streaming TextDecoder opens an ICU converter per stream, which
  // cost tens of microseconds before the first event of every stream could go out.
  private decoder: StringDecoder | undefined;
  private readonly maxEventBytes: number;
  private partial = '';
  /** UTF-8 bytes of `partial`. */
  private partialBytes = 0;
  /** The line still arriving had content, dropped because its event is oversized. */
  private partialDropped = false;
  private afterCR = false;
  private started = false;
  private ended = false;
  private data: string | undefined;
  private event: string | undefined;
  private id: string | undefined;
  /** UTF-8 bytes of the field lines of the current event. */
  private size = 0;
  /** The current event went over `maxEventBytes`: skipped to its end. */
  private skipping = false;

  /** Creates a parser that calls `onEvent` synchronously for every complete event. */
  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly options: SseParserOptions = {},
  ) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Feeds the next piece of the stream; calls `onEvent` for every event it completes. */
  feed(chunk: Uint8Array | string): void {
    if (this.ended) throw new SseParseError('SseParser.feed() called after end()');
    if (typeof chunk === 'string') this.push(chunk);
    else this.push((this.decoder ??= new StringDecoder('utf8')).write(chunk));
  }

  /** The stream ended: an unterminated event is dropped (or dispatched, with `flushAtEnd`). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.decoder) this.push(this.decoder.end());
    if (!this.options.flushAtEnd) return;
    if (this.partial.length > 0 || this.partialDropped) this.endLine('');
    this.dispatch();
  }

  private push(chunk: string): void {
    let start = 0;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      // A BOM opens the stream at most once (the decoder never splits it).
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
      this.endLine(chunk.slice(start, end));
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

  /** The line still arriving ends with `piece`. */
  private endLine(piece: string): void {
    const line = this.partial ? this.partial + piece : piece;
    const bytes = this.partialBytes + Buffer.byteLength(piece);
    const dropped = this.partialDropped;
    this.partial = '';
    this.partialBytes = 0;
    this.partialDropped = false;
    this.line(line, bytes, dropped);
  }

  /** Keeps the start of a line still arriving, unless that takes its event over the limit. */
  private grow(rest: string): void {
    if (!this.skipping) {
      this.partialBytes += Buffer.byteLength(rest);
      if (this.size + this.partialBytes <= this.maxEventBytes) {
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
    if (this.size + bytes > this.maxEventBytes) return this.overflow();
    if (line.charCodeAt(0) === COLON) {
      this.options.onComment?.(line.slice(line.charCodeAt(1) === SPACE ? 2 : 1));
      return;
    }
    this.size += bytes;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    this.field(field, value);
  }

  private field(field: string, value: string): void {
    switch (field) {
      case 'data':
        this.data = this.data === undefined ? value : `${this.data}\n${value}`;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        // The spec ignores ids containing NUL, which would otherwise poison Last-Event-ID.
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.options.onRetry?.(Number(value));
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  /** The current event is over the limit: what it held goes, its id stays (an id is what a resumption needs). */
  private overflow(): void {
    const notify = this.options.onOversized;
    if (!notify) throw new SseParseError(`SSE event exceeds ${this.maxEventBytes} bytes`);
    this.skipping = true;
    this.data = this.event = undefined;
    this.partial = '';
    this.partialBytes = 0;
    notify();
  }

  private dispatch(): void {
    const { data, event, id, skipping } = this;
    this.data = this.event = this.id = undefined;
    this.size = 0;
    this.skipping = false;
    if (data === undefined || skipping) {
      // No data: the spec dispatches nothing (and resets the event type); an id alone may still matter.
      if (id !== undefined && this.options.idOnlyEvents) this.onEvent({ id, data: '' });
      return;
    }
    const out: { event?: string; data: string; id?: string } = { data };
    if (event) out.event = event;
    if (id !== undefined) out.id = id;
    this.onEvent(out);
  }
}
