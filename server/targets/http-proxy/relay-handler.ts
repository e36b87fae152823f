import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { mergeResponseHeaders, type Outcome } from '../../pipeline/index.js';
import { downstreamResponseHeaders } from './forward-headers.js';
import { applyHeaderRules, type HeaderRules } from './request-shaping.js';
import type { Pick } from './upstream-pool.js';
import { UpstreamAttempt } from '../upstream-attempt.js';

/** How one attempt ended: the answer went to the client, or it was refused (a retry status) and is being dropped. */
export type AttemptEnd = 'relayed' | 'refused';

/** A refused answer is read and dropped up to this size so its connection can be reused; beyond it, cut. */
const DISCARD_LIMIT = 128 * 1024;

/** What one attempt needs besides the request options. */
export interface RelayOptions {
  readonly res: ServerResponse;
  readonly outcome: Outcome;
  readonly picked: Pick;
  readonly responseHeaders?: HeaderRules;
  /** What the filters add to the answer (GatewayContext.responseHeaders). */
  readonly filterHeaders?: Record<string, string>;
  /** The request body, destroyed if the attempt fails (as undici's `request()` does). */
  readonly body: Buffer | Readable | null;
  /** Asked with the final status before anything is written: true drops this answer (a retry follows). */
  readonly refuse?: (status: number) => boolean;
}

/**
 * One upstream attempt as an undici dispatch handler (undici's lowest-level API, the one `request()` and
 * `stream()` are built on): the answer's head goes straight to `res.writeHead` and every chunk to `res.write`,
 * with undici paused while `res` is full. Compared with `request()` + `stream.pipeline()` this skips a body
 * Readable, a pipeline with its own AbortController (aborted on every finish, which builds a DOMException with
 * a stack), end-of-stream listeners and a second `data` listener for byte counting: per request that was more
 * CPU than the rest of the proxy together. A client that goes away aborts the upstream request at once.
 */
export class RelayHandler extends UpstreamAttempt {
  /** Body bytes written to the client. */
  bytes = 0;
  /** The upstream's final status once its head went to the client; 0 before (a failure then is a connect-phase one). */
  status = 0;
  /** The settled promise of this attempt. */
  readonly done: Promise<AttemptEnd>;
  private settled = false;
  private discarding = false;
  private waitingDrain = false;
  private resolve!: (end: AttemptEnd) => void;
  private reject!: (err: Error) => void;

  constructor(private readonly o: RelayOptions) {
    super(o.res);
    this.done = new Promise<AttemptEnd>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Sends the request; `done` settles when the answer was relayed or refused, or rejects on failure. */
  start(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions): Promise<AttemptEnd> {
    this.watchClient();
    dispatcher.dispatch(request, this);
    return this.done;
  }

  protected get ended(): boolean {
    return this.settled;
  }

  protected onFinalHead(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // RFC 9110 §15: statuses are 1xx-5xx. undici and Node pass 600-999 on; relaying one hands the client an
    // answer no client knows how to read, so it is a broken upstream (502) like any other unparseable head.
    if (statusCode > 599) return controller.abort(Object.assign(new Error(`invalid status ${statusCode}`), { code: 'HPE_INVALID_STATUS' }));
    const { picked, res } = this.o;
    if (statusCode >= 500) picked.pool.fail(picked.member, Date.now());
    else picked.member.state.succeed();
    if (this.o.refuse?.(statusCode)) {
      this.discarding = true;
      this.settle('refused');
      return;
    }
    const out = downstreamResponseHeaders(headers);
    mergeResponseHeaders(out, this.o.filterHeaders);
    if (this.o.responseHeaders) applyHeaderRules(out, this.o.responseHeaders);
    // Set after writeHead: a head Node refuses to send fails like a broken upstream (502), not mid-stream.
    res.writeHead(statusCode, out);
    this.status = statusCode;
    this.o.outcome.status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarding) {
      this.bytes += chunk.length;
      if (this.bytes > DISCARD_LIMIT) controller.abort(new Error('refused answer too large to drain'));
      return;
    }
    this.bytes += chunk.length;
    if (!this.o.res.write(chunk) && !this.waitingDrain) {
      this.waitingDrain = true;
      controller.pause();
      this.o.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    if (this.discarding) return;
    this.o.res.end();
    this.settle('relayed');
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const { res, body } = this.o;
    if (this.waitingDrain) res.removeListener('drain', this.onDrain);
    if (body !== null && !Buffer.isBuffer(body)) body.on('error', noop).destroy(err);
    if (this.discarding) return;
    // Mid-stream failure: the client must see an aborted connection, never a clean end.
    if (this.status !== 0) res.destroy();
    this.settled = true;
    this.unwatchClient();
    this.reject(err);
  }

  private settle(end: AttemptEnd): void {
    this.settled = true;
    this.unwatchClient();
    this.resolve(end);
  }

  private readonly onDrain = (): void => {
    this.waitingDrain = false;
    this.resume();
  };
}

function noop(): void {}
