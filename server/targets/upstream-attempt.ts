/**
 * The one base of every upstream call agate makes over undici: the proxy's relay (which writes the answer
 * straight to the client) and the LLM/MCP exchanges (which hand the body to a consumer). Both are undici dispatch
 * handlers, undici's lowest-level API (the one `request()` is built on); what they share lives here: the
 * controller's life (an abort asked for before undici started the request is applied when it does), informational
 * 1xx heads skipped, and the client's going away aborting the upstream at once. Each subclass decides only what
 * to do with the final head, the body and the end.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/** Whether the client went away before its response was complete. */
export function clientGone(res: ServerResponse): boolean {
  return res.closed && !res.writableFinished;
}

/** The abort reason when the client went away first. */
export const CLIENT_DISCONNECTED = 'client disconnected';

export abstract class UpstreamAttempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private abortReason: Error | null = null;

  /** `client`: the response of the client this attempt serves, whose going away aborts it. */
  constructor(protected readonly client?: ServerResponse) {}

  /** Whether the attempt already ended (an abort then does nothing). */
  protected abstract get ended(): boolean;

  /** The final (non-1xx) head. */
  protected abstract onFinalHead(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void;

  abstract onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void;
  abstract onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void;
  abstract onResponseError(controller: Dispatcher.DispatchController, err: Error): void;

  /** Aborts the attempt unless it already ended; undici reports `reason` to `onResponseError`. */
  abort(reason: Error): void {
    if (this.ended) return;
    if (this.controller) this.controller.abort(reason);
    else this.abortReason ??= reason;
  }

  /** Stops reading from the upstream (back-pressure) until `resume()`. */
  pause(): void {
    this.controller?.pause();
  }

  /** Reads from the upstream again after `pause()`. */
  resume(): void {
    this.controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx (103 Early Hints) are informational: the final answer follows.
    if (statusCode >= 200) this.onFinalHead(controller, statusCode, headers);
  }

  /** From now on, the client's going away aborts the upstream. */
  protected watchClient(): void {
    this.client?.once('close', this.onClientClose);
  }

  /** The attempt is over: the client's going away no longer concerns it. */
  protected unwatchClient(): void {
    this.client?.removeListener('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (!this.client!.writableFinished) this.abort(new Error(CLIENT_DISCONNECTED));
  };
}
