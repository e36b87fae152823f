/**
 * Incremental Server-Sent Events framer (WHATWG HTML §9.2.6 "Interpreting an event stream").
 *
 * Upstream bytes arrive split at arbitrary points (inside a UTF-8 sequence, between `\r` and `\n`, in the
 * middle of a field), so every per-event transform sits behind this one framer; parsing raw chunks is the bug
 * Higress fixed in higress-group/higress#4616.
 */
import { StringDecoder } from 'node:string_decoder';

/** One complete event as dispatched by the parser. */
export interface SseEvent {
  /** Value of the last `event:` field in the block, absent when none was given. */
  event?: string;
  /** All `data:` lines of the block joined with `\n`. */
  data: string;
  /** Value of the `id:` field given in this block, absent when none was given. */
  id?: string;
}

/** Options for {@link SseParser}. */
export interface SseParserOptions {
  /** Largest unfinished line or event (UTF-16 code units) before the parser gives up; default 16 MiB. */
  maxEventSize?: number;
  /** Called for each comment line (`: text`), e.g. to forward keep-alives; ignored when absent. */
  onComment?: (text: string) => void;
}

/** Thrown when a stream exceeds the size cap; a framer must never buffer without bound. */
export class SseParseError extends Error {
  override readonly name = 'SseParseError';
}

const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

const BOM = 0xfeff;

/** Stateful SSE parser: `feed()` chunks of any size, `end()` once at end of stream. */
export class SseParser {
  // StringDecoder rather than TextDecoder: a streaming TextDecoder opens an ICU converter per stream, which
  // cost tens of microseconds before the first event of every stream could go out.
  private readonly decoder = new StringDecoder('utf8');
  // The byte stream's first decoded character is checked for a BOM (stripped, as TextDecoder would).
  private bomChecked = false;
  // Per instance: a shared global regex's lastIndex would be clobbered if one parser's callback fed another.
  private readonly lineEnd = /\r\n|\r|\n/g;
  private readonly maxEventSize: number;
  private readonly onComment: ((text: string) => void) | undefined;
  private pending = '';
  // A chunk that ends in `\r` may be followed by a `\n` in the next chunk; that `\n` belongs to the same line end.
  private skipLeadingLf = false;
  private data = '';
  private hasData = false;
  private eventType: string | undefined = undefined;
  private eventId: string | undefined = undefined;
  private ended = false;

  /** Creates a parser that calls `onEvent` synchronously for every complete event. */
  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    options: SseParserOptions = {},
  ) {
    this.maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    this.onComment = options.onComment;
  }

  /** Feeds the next chunk (bytes are decoded as streaming UTF-8); do not mix strings with partial byte input. */
  feed(chunk: Uint8Array | string): void {
    if (this.ended) throw new SseParseError('SseParser.feed() called after end()');
    this.consume(typeof chunk === 'string' ? chunk : this.decoded(this.decoder.write(chunk)));
  }

  /** Flushes the stream: a final line or event without its terminating blank line is still dispatched. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.consume(this.decoded(this.decoder.end()));
    if (this.pending.length > 0) {
      this.processLine(this.pending);
      this.pending = '';
    }
    this.dispatch();
  }

  private decoded(text: string): string {
    if (this.bomChecked || text.length === 0) return text;
    this.bomChecked = true;
    return text.charCodeAt(0) === BOM ? text.slice(1) : text;
  }

  private consume(input: string): void {
    let text = input;
    if (text.length === 0) return;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    const buf = this.pending.length > 0 ? this.pending + text : text;
    let start = 0;
    // The pending tail holds no line end, so scanning resumes where it stopped: linear, not quadratic.
    this.lineEnd.lastIndex = this.pending.length;
    for (let m = this.lineEnd.exec(buf); m !== null; m = this.lineEnd.exec(buf)) {
      this.processLine(buf.slice(start, m.index));
      start = m.index + m[0].length;
      if (m[0] === '\r' && start === buf.length) this.skipLeadingLf = true;
    }
    this.pending = start === 0 ? buf : buf.slice(start);
    if (this.pending.length + this.data.length > this.maxEventSize) {
      throw new SseParseError(`SSE event exceeds ${this.maxEventSize} characters without a line end`);
    }
  }

  private processLine(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.onComment?.(line.charCodeAt(1) === 32 ? line.slice(2) : line.slice(1));
      return;
    }
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = '';
    if (colon >= 0) value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    this.applyField(field, value);
  }

  private applyField(field: string, value: string): void {
    switch (field) {
      case 'data':
        this.data = this.hasData ? this.data + '\n' + value : value;
        this.hasData = true;
        if (this.data.length > this.maxEventSize) {
          throw new SseParseError(`SSE event data exceeds ${this.maxEventSize} characters`);
        }
        return;
      case 'event':
        this.eventType = value;
        return;
      case 'id':
        // The spec ignores ids containing NUL, which would otherwise poison Last-Event-ID.
        if (!value.includes('\0')) this.eventId = value;
        return;
      default:
        // `retry` and unknown fields carry nothing a gateway translator needs.
        return;
    }
  }

  private dispatch(): void {
    // Per spec, a block with no data lines dispatches nothing and resets the event type.
    if (!this.hasData) {
      this.eventType = undefined;
      this.eventId = undefined;
      return;
    }
    const event: SseEvent = { data: this.data };
    if (this.eventType !== undefined && this.eventType !== '') event.event = this.eventType;
    if (this.eventId !== undefined) event.id = this.eventId;
    this.data = '';
    this.hasData = false;
    this.eventType = undefined;
    this.eventId = undefined;
    this.onEvent(event);
  }
}
