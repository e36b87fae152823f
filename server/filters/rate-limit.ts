import type { RateLimitSpec } from '../../registry/index.js';
import { GatewayError, errors } from '../errors/index.js';
import { addResponseHeaders, type Filter, type GatewayContext } from '../pipeline/index.js';
import { bucketRule, takeGuarded, type BucketRule, type OnStoreError, type RateDecision, type RateLimitStore } from '../rate-limit/index.js';

/** What the rate-limit filter reads besides its config. */
export interface RateLimitDeps {
  /** Long-lived bucket store: survives snapshot swaps. */
  readonly store: RateLimitStore;
  /** Names the bucket family (the route), so two routes never share a bucket. */
  readonly scope: string;
}

/** One family of token buckets: how they refill, which bucket a request spends, and what a refusal names. */
export interface BucketLimit<C extends GatewayContext = GatewayContext> {
  readonly rule: BucketRule;
  /** The bucket within the scope that `ctx` spends a token of. */
  readonly bucketOf: (ctx: C) => string;
  /** What the refusal says is limited (a route, an MCP member's tool). */
  readonly subjectOf: (ctx: C) => string;
  /** What happens when a shared store cannot answer: refuse (503) or admit. */
  readonly onStoreError: OnStoreError;
}

/**
 * Token-bucket limiting per route, consumer or client IP. Over the limit: 429 GW_ERR_RATE_LIMITED with
 * `Retry-After`; every answer carries `RateLimit-Limit/-Remaining/-Reset` (draft-ietf-httpapi-ratelimit-headers).
 * Runs after auth, so `by: consumer` sees the authenticated consumer (anonymous requests share one bucket per IP).
 * A plain request rate fails open by default: with the shared store away, traffic flows unlimited.
 */
export function rateLimit(config: RateLimitSpec, deps: RateLimitDeps): Filter {
  const rule = bucketRule(config);
  const by = `${config.by}\u0000`;
  const onStoreError = config.onStoreError ?? 'open';
  return bucketLimit({ rule, bucketOf: (ctx) => by + bucketId(ctx, config.by), subjectOf: (ctx) => ctx.route?.name ?? deps.scope, onStoreError }, deps);
}

/**
 * The rate-limit filter for any bucket family (HTTP routes above, MCP members' per-message policy). A refusal is
 * GW_ERR_RATE_LIMITED naming the subject, with `Retry-After`; its `cause` is the store's decision, so a protocol
 * without headers (JSON-RPC) can say the exact delay.
 */
export function bucketLimit<C extends GatewayContext>(limit: BucketLimit<C>, deps: RateLimitDeps): Filter {
  const { rule, bucketOf, subjectOf, onStoreError } = limit;
  const capacity = String(rule.capacity);
  const policy = `${rule.capacity};w=${rule.intervalMs / 1000}`;
  const prefix = `${deps.scope}\u0000`;
  /** Answers one request from the store's decision: refused (429), or on with the RateLimit headers set. */
  const admit = (ctx: C, decision: RateDecision, next: () => Promise<void>): Promise<void> => {
    const headers = rateHeaders(decision, capacity, policy);
    if (!decision.allowed) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
      throw new GatewayError(errors.GW_ERR_RATE_LIMITED, [subjectOf(ctx)], { headers, cause: decision });
    }
    addResponseHeaders(ctx, headers);
    return next();
  };
  // Not async, and no closure per request: the in-process store decides synchronously (a shared one answers with
  // a promise, the only case that allocates one here).
  return function limitRate(gatewayCtx, next) {
    // The chain that holds this filter builds contexts of type C (the HTTP pipeline: GatewayContext itself).
    const ctx = gatewayCtx as C;
    const decided = takeGuarded(deps.store, { key: prefix + bucketOf(ctx), rule, onStoreError, subject: subjectOf(ctx) });
    return decided instanceof Promise ? decided.then((decision) => admit(ctx, decision, next)) : admit(ctx, decided, next);
  };
}

/** The bucket of a request under `by`: the consumer's name, else the client's address (one bucket per IP). */
export function bucketId(ctx: GatewayContext, by: RateLimitSpec['by']): string {
  if (by === 'route') return '';
  if (by === 'consumer' && ctx.consumer) return 'c:' + ctx.consumer.name;
  return 'ip:' + (ctx.request.clientIp ?? ctx.request.remoteAddress);
}

function rateHeaders(d: RateDecision, limit: string, policy: string): Record<string, string> {
  return {
    'ratelimit-limit': limit,
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': String(Math.ceil(d.resetMs / 1000)),
    'ratelimit-policy': policy,
  };
}
