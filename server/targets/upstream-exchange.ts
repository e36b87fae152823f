/**
 * One upstream HTTP exchange whose body goes to a consumer (an {@link UpstreamAttempt}, as the proxy's relay is):
 * the LLM router's provider calls and the MCP router's remote Streamable HTTP transport run on it. The body goes
 * chunk by chunk, synchronously, to whoever consumes it. Compared with `request()` this skips, per call, a body
 * Readable (whose resume ticks sat between the upstream's first bytes and the first event sent to the client), an
 * AsyncResource-scoped promise and an AbortController with its listeners: about a tenth of a millisecond of the
 * time to first token the LLM bench adds. The first-byte deadline aborts it too (optional).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { CLIENT_DISCONNECTED, UpstreamAttempt, clientGone } from './upstream-attempt.js';

/** Receives an upstream body. After `end` or `error` nothing more is delivered. */
export interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

/** The upstream side of one attempt: its head, then its body delivered to a {@link BodySink}. */
export class UpstreamExchange extends UpstreamAttempt {
  /** The final status, once the head arrived. */
  statusCode = 0;
  /** The final head's headers. */
  headers: IncomingHttpHeaders = {};
  /** True once the first-byte deadline fired (the abort reason then says so too). */
  timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  private sink: BodySink | null = null;
  // Chunks undici delivered before a sink was attached (they can come with the head, in the same read).
  private early: Buffer[] = [];
  private finished: { error?: Error } | null = null;
  private headSettled = false;
  private resolveHead!: () => void;
  private rejectHead!: (err: Error) => void;

  /**
   * `client`: the response of the client this exchange serves, whose going away aborts it. `deadlineMs` covers the
   * head and the first body bytes (see {@link firstByte}).
   */
  constructor(
    client?: ServerResponse,
    private readonly deadlineMs?: number,
  ) {
    super(client);
  }

  protected get ended(): boolean {
    return this.finished !== null;
  }

  /** Sends the request; resolves once the final head arrived, rejects if the exchange failed before it. */
  start(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<void> {
    const head = new Promise<void>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    if (this.client && clientGone(this.client)) {
      this.headSettled = true;
      return Promise.reject(new Error(CLIENT_DISCONNECTED));
    }
    this.watchClient();
    if (this.deadlineMs !== undefined) this.timer = setTimeout(this.onDeadline, this.deadlineMs);
    dispatcher.dispatch(options, this);
    return head;
  }

  /** The first body bytes arrived: a stream's deadline is met (a JSON answer keeps it until read). */
  firstByte(): void {
    clearTimeout(this.timer);
  }

  /** Attaches the body's consumer; whatever arrived before it is delivered now, in order. */
  consume(sink: BodySink): void {
    this.sink = sink;
    this.deliverEarly();
  }

  /**
   * The client's answer is complete (`[DONE]`, `message_stop`) but the upstream's end of body may be a packet
   * behind: read and drop the rest so the keep-alive connection survives for the next call, within `graceMs`.
   */
  discardRest(graceMs: number): void {
    if (this.finished) return;
    const timer = setTimeout(() => this.abort(new Error('upstream did not end its body')), graceMs).unref();
    const stop = () => clearTimeout(timer);
    this.sink = { data: () => {}, end: stop, error: stop };
    this.resume();
  }

  /** Drops the client-close listener and the deadline; call once the attempt is over. */
  release(): void {
    clearTimeout(this.timer);
    this.unwatchClient();
  }

  protected onFinalHead(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.statusCode = statusCode;
    this.headers = headers;
    this.headSettled = true;
    this.resolveHead();
  }
  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.sink && this.early.length === 0) this.sink.data(chunk);
    else this.early.push(chunk);
  }

  onResponseEnd(): void {
    this.finished = {};
    if (this.sink && this.early.length === 0) this.deliverEnd();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.finished = { error: err };
    if (!this.headSettled) {
      this.headSettled = true;
      this.rejectHead(err);
    } else if (this.sink && this.early.length === 0) this.deliverEnd();
  }

  private deliverEarly(): void {
    // A sink may resume undici from `data`, which can deliver more synchronously: it queues behind these.
    while (this.early.length > 0 && this.sink) this.sink.data(this.early.shift()!);
    if (this.finished && this.sink) this.deliverEnd();
  }

  private deliverEnd(): void {
    const sink = this.sink!;
    this.sink = null;
    const error = this.finished!.error;
    if (error) sink.error(error);
    else sink.end();
  }

  private readonly onDeadline = (): void => {
    this.timedOut = true;
    this.abort(new Error('first-byte timeout'));
  };
}
