import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConsumerIdentity, GatewayContext, Outcome, RequestInfo, RouteRef } from '../pipeline/index.js';

/**
 * The context of one HTTP exchange. Its abort signal is made on first use: an AbortController plus its
 * signal cost microseconds per request, and the proxy target never needs one (it aborts its undici request
 * itself when the response closes early). Filters and targets that do read `signal` get the same contract as
 * before: aborted once the client went away before its response was complete.
 */
export class HttpGatewayContext implements GatewayContext {
  readonly kind = 'http' as const;
  readonly startedAt = process.hrtime.bigint();
  readonly http: { readonly req: IncomingMessage; readonly res: ServerResponse };
  route?: RouteRef;
  consumer?: ConsumerIdentity;
  outcome: Outcome = {};
  private abort?: AbortController;

  constructor(
    readonly requestId: string,
    readonly log: Logger,
    readonly request: RequestInfo,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    this.http = { req, res };
  }

  /** Aborted when the client goes away before its response is complete. */
  get signal(): AbortSignal {
    if (!this.abort) {
      const abort = (this.abort = new AbortController());
      const res = this.http.res;
      if (res.closed) {
        if (!res.writableFinished) abort.abort();
      } else {
        res.once('close', () => {
          if (!res.writableFinished) abort.abort();
        });
      }
    }
    return this.abort.signal;
  }
}
