import type { GatewayContext, RouteRef } from '../../pipeline/index.js';
import type { HeaderRules, RequestShaper } from './request-shaping.js';
import type { UpstreamPool } from './upstream-pool.js';

/** Retry settings compiled from route.schema.json `retries`. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly onConnectFailure: boolean;
  readonly onReset: boolean;
  readonly onTimeout: boolean;
  readonly statuses: ReadonlySet<number>;
  readonly perTryTimeoutMs?: number;
  readonly budgetPercent: number;
  readonly minRetriesPerSecond: number;
}

/** Per-route upstream timeouts, ms; 0 means none. */
export interface ProxyTimeouts {
  /** TCP/TLS connect (undefined: the gateway's default agent). */
  readonly connectMs?: number;
  /** Until response headers. */
  readonly firstByteMs: number;
  /** Between body chunks. */
  readonly idleMs: number;
  /** The whole exchange. */
  readonly totalMs: number;
}

/** A route whose target is the HTTP proxy, as compiled into a snapshot. */
export interface ProxyRoute extends RouteRef {
  readonly target: { readonly kind: 'http-proxy' };
  /** The route's own filters then dispatch, composed once per snapshot. */
  readonly pipeline: (ctx: GatewayContext) => Promise<void>;
  /** The pool for this request (the canary's or the main one); undefined for redirect/direct routes. */
  readonly choosePool?: (ctx: GatewayContext) => UpstreamPool;
  readonly shaper: RequestShaper;
  readonly responseHeaders?: HeaderRules;
  readonly timeouts: ProxyTimeouts;
  readonly retry?: RetryPolicy;
  readonly maxBodyBytes?: number;
}
