import type { RateLimitSpec } from '../../registry/index.js';
import { GatewayError, errors } from '../errors/index.js';
import type { Filter, GatewayContext } from '../pipeline/index.js';
import type { BucketRule, RateDecision, RateLimitStore } from '../rate-limit/index.js';

/** What the rate-limit filter reads besides its config. */
export interface RateLimitDeps {
  /** Long-lived bucket store: survives snapshot swaps. */
  readonly store: RateLimitStore;
  /** Names the bucket family (the route), so two routes never share a bucket. */
  readonly scope: string;
}

const INTERVAL_MS = { second: 1_000, minute: 60_000, hour: 3_600_000 } as const;

/**
 * Token-bucket limiting per route, consumer or client IP. Over the limit: 429 GW_ERR_RATE_LIMITED with
 * `Retry-After`; every answer carries `RateLimit-Limit/-Remaining/-Reset` (draft-ietf-httpapi-ratelimit-headers).
 * Runs after auth, so `by: consumer` sees the authenticated consumer (anonymous requests share one bucket per IP).
 */
export function rateLimit(config: RateLimitSpec, deps: RateLimitDeps): Filter {
  const rule: BucketRule = Object.freeze({ tokens: config.requests, intervalMs: INTERVAL_MS[config.per], capacity: config.burst ?? config.requests });
  const limit = String(rule.capacity);
  const policy = `${rule.capacity};w=${rule.intervalMs / 1000}`;
  const prefix = `${deps.scope}\u0000${config.by}\u0000`;
  return async function limitRate(ctx, next) {
    const decision = await deps.store.take(prefix + bucketId(ctx, config.by), rule, Date.now());
    const headers = rateHeaders(decision, limit, policy);
    if (!decision.allowed) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
      throw new GatewayError(errors.GW_ERR_RATE_LIMITED, [ctx.route?.name ?? deps.scope], { headers });
    }
    const res = ctx.http?.res;
    if (res) for (const name in headers) res.setHeader(name, headers[name]!);
    await next();
  };
}

function bucketId(ctx: GatewayContext, by: RateLimitSpec['by']): string {
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
