/**
 * The client side of a streamed answer. Headers go out with the first event, not before: until then a failed
 * upstream can still be replaced by another key or provider (fallback only before the first byte).
 */
import type { ServerResponse } from 'node:http';
import type { NormalizedError } from '../translate/index.js';

/** Lazily committed SSE writer for one response. */
export class ClientStream {
  /** Set when the stream failed before anything reached the client: the router may still retry. */
  preCommitError: NormalizedError | undefined;
  /** Set by `fail()`, committed or not. */
  failure: NormalizedError | undefined;
  /** Set once a terminal `end()` or `fail()` ran. */
  finished = false;
  /** Events written to the client. */
  events = 0;
  /** Body bytes handed to the socket (UTF-8), for the access log. */
  bytes = 0;
  /** ms from `startedAt` to the first event written. */
  ttftMs: number | undefined;
  // Events written while the pump handles one upstream chunk go out in one `res.write` (one chunked frame,
  // one syscall) at `flush()`: a provider often packs several events into one TCP read.
  private buffered = '';

  constructor(
    private readonly res: ServerResponse,
    private readonly requestId: string,
    private readonly startedAt: bigint,
  ) {}

  /** True once headers went out: errors must now be written as stream events. */
  get committed(): boolean {
    return this.res.headersSent;
  }

  /** True when the socket buffer is full and the upstream should wait for `drain`. */
  get needsDrain(): boolean {
    return this.res.writableNeedDrain;
  }

  /** Queues one serialised event until `flush()`, committing the response (headers) on the first. */
  write(text: string): void {
    if (this.finished) return;
    if (!this.res.headersSent) {
      this.ttftMs = Number(process.hrtime.bigint() - this.startedAt) / 1e6;
      this.res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        'x-request-id': this.requestId,
      });
    }
    this.events++;
    this.buffered += text;
  }

  /** Sends what `write()` queued; the pump calls it once per upstream chunk, so nothing waits longer. */
  flush(): void {
    if (this.buffered !== '') this.res.write(this.takeBuffered());
  }

  /** Clean end of the stream, after `text` (e.g. `data: [DONE]`). */
  end(text: string): void {
    if (this.finished) return;
    if (text) this.write(text);
    else if (!this.res.headersSent) this.write('');
    this.finished = true;
    this.res.end(this.takeBuffered());
  }

  /**
   * Failure. Before commit it is only recorded (the router retries or renders a normal error). After commit the
   * error event is written and the connection is aborted, so no client can mistake a cut stream for a whole one.
   */
  fail(error: NormalizedError, text: string): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    if (!this.res.headersSent) {
      this.preCommitError = error;
      return;
    }
    this.res.write(this.takeBuffered() + text, () => this.res.destroy());
  }

  private takeBuffered(): string {
    const text = this.buffered;
    this.buffered = '';
    this.bytes += Buffer.byteLength(text);
    return text;
  }

  /** Resolves when the socket drains or closes. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }
}
