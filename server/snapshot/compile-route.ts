import { isUpstreamUrl, openRouteHeaders, type RouteSpec } from '../../registry/index.js';
import type { SecretBox } from '../../registry/secret-box.js';
import type { ConsumerDirectory } from '../auth/index.js';
import { buildChain, dispatch, type Chain, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import type { RateLimitStore } from '../rate-limit/index.js';
import { auth } from '../filters/auth.js';
import { bodyLimit } from '../filters/body-limit.js';
import { cors } from '../filters/cors.js';
import { directResponse } from '../filters/direct-response.js';
import { ipAccess } from '../filters/ip-access.js';
import { rateLimit } from '../filters/rate-limit.js';
import { redirect } from '../filters/redirect.js';
import { canarySelector, compileHeaderRules, compileShaper, type ProxyRoute, type RetryPolicy, type UpstreamPool } from '../targets/http-proxy/index.js';
import type { CompiledPools } from './compile-upstreams.js';

/** What a route is compiled against. */
export interface RouteCompileContext {
  readonly pools: CompiledPools;
  readonly directory: ConsumerDirectory;
  readonly rateLimits: RateLimitStore;
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  /** Opens request header values sealed in the registry (loaded only when a route has one). */
  readonly secretBox: () => SecretBox;
}

/**
 * The route's own chain (`http-route` in server/pipeline/chains.ts, which fixes the order): each filter its
 * config asks for, ending in a redirect or a direct response when the route answers itself, else in dispatch.
 */
function routeChain(spec: RouteSpec, c: RouteCompileContext): Chain {
  const matchedPrefix = spec.pathType === 'prefix' ? spec.path.replace(/\/$/, '') : undefined;
  return buildChain('http-route', {
    'ip-access': spec.ipAllow?.length || spec.ipDeny?.length ? ipAccess({ allow: spec.ipAllow, deny: spec.ipDeny }) : undefined,
    cors: spec.cors && cors(spec.cors),
    auth: spec.auth && auth(spec.auth, { directory: c.directory }),
    'rate-limit': spec.rateLimit && rateLimit(spec.rateLimit, { store: c.rateLimits, scope: `route:${spec.name}` }),
    'body-limit': spec.maxBodyBytes !== undefined ? bodyLimit(spec.maxBodyBytes) : undefined,
    redirect: spec.redirect && redirect({ ...spec.redirect, matchedPrefix }),
    'direct-response': spec.directResponse && directResponse(spec.directResponse),
    dispatch: dispatch(c.targets),
  });
}

/** Compiles one route; throws with a field-named message when a reference cannot be resolved. */
export function compileRoute(spec: RouteSpec, c: RouteCompileContext): ProxyRoute {
  const needsUpstream = !spec.redirect && !spec.directResponse;
  const main = spec.upstream !== undefined ? resolvePool(spec.upstream, c.pools, 'route.upstream') : undefined;
  if (needsUpstream && !main) throw new Error('route.upstream: is required');
  let choosePool: ((ctx: Parameters<NonNullable<ProxyRoute['choosePool']>>[0]) => UpstreamPool) | undefined;
  if (main && spec.canary) choosePool = canarySelector(main, resolvePool(spec.canary.upstream, c.pools, 'route.canary.upstream'), spec.canary);
  else if (main) choosePool = () => main;
  return Object.freeze({
    name: spec.name,
    target: Object.freeze({ kind: 'http-proxy' as const }),
    pipeline: routeChain(spec, c),
    choosePool,
    shaper: compileShaper(openRouteHeaders(spec, c.secretBox)),
    responseHeaders: compileHeaderRules(spec.responseHeaders),
    timeouts: Object.freeze({
      connectMs: spec.timeouts?.connectMs,
      firstByteMs: spec.timeouts?.firstByteMs ?? spec.timeoutMs,
      idleMs: spec.timeouts?.idleMs ?? 0,
      totalMs: spec.timeouts?.totalMs ?? 0,
    }),
    retry: compileRetry(spec),
    maxBodyBytes: spec.maxBodyBytes,
  });
}

function resolvePool(ref: string, pools: CompiledPools, field: string): UpstreamPool {
  if (isUpstreamUrl(ref)) return pools.forUrl(ref);
  const pool = pools.byName.get(ref);
  if (!pool) throw new Error(`${field}: no upstream named "${ref}"`);
  return pool;
}

function compileRetry(spec: RouteSpec): RetryPolicy | undefined {
  const r = spec.retries;
  if (!r || r.attempts === 0) return undefined;
  return Object.freeze({
    attempts: r.attempts,
    onConnectFailure: r.on.includes('connect-failure'),
    onReset: r.on.includes('reset'),
    onTimeout: r.on.includes('timeout'),
    statuses: new Set(r.on.includes('statuses') ? r.statuses : []),
    perTryTimeoutMs: r.perTryTimeoutMs,
    budgetPercent: r.budgetPercent,
    minRetriesPerSecond: r.minRetriesPerSecond,
  });
}
