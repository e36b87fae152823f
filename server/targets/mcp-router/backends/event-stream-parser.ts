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
 */
export class EventStreamParser {
  private partial = '';
  private afterCR = false;
  private started = false;
  private data: string | undefined;
  private event: string | undefined;
  private id: string | undefined;

  constructor(
    private readonly onEvent: (event: StreamEvent) => void,
    private readonly onRetry?: (ms: number) => void,
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
      this.line(this.partial ? this.partial + piece : piece);
      this.partial = '';
      start = end + 1;
      if (chunk.charCodeAt(end) === CR) {
        if (start === chunk.length) this.afterCR = true;
        else if (chunk.charCodeAt(start) === LF) start++;
      }
      if (nextCR !== -1 && nextCR < start) nextCR = chunk.indexOf('\r', start);
      if (nextLF !== -1 && nextLF < start) nextLF = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.partial += chunk.slice(start);
  }

  private line(line: string): void {
    if (line.length === 0) return this.dispatch();
    if (line.charCodeAt(0) === COLON) return;
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

  private dispatch(): void {
    const { data, event, id } = this;
    this.data = this.event = this.id = undefined;
    if (data === undefined && id === undefined) return;
    this.onEvent({ id, event, data: data ?? '' });
  }
}
