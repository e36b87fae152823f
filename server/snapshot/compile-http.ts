import type { Registry } from '../../registry/index.js';
import { buildChain, type Filter, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { HttpRouter } from '../routing/http-router.js';
import type { HealthChecks, ProxyRoute, TargetStates } from '../targets/http-proxy/index.js';
import { ConsumerDirectory } from '../auth/index.js';
import type { RateLimitStore } from '../rate-limit/index.js';
import { routeMatch } from '../filters/route-match.js';
import { compilePools } from './compile-upstreams.js';
import { compileRoute } from './compile-route.js';
import type { HttpSnapshot } from './snapshot.js';

/** Long-lived pieces the HTTP part is built with. */
export interface HttpCompileDeps {
  /** Filters that run before route matching (observability first). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  /** Target health, outlier state and retry budgets: kept across snapshots. */
  readonly states: TargetStates;
  /** Active health checkers, synced to the snapshot's upstreams; absent when compiling only to check the config. */
  readonly healthChecks?: HealthChecks;
  /** Rate-limit buckets: kept across snapshots. */
  readonly rateLimits: RateLimitStore;
}

/**
 * Compiles upstreams, consumers and routes; appends a message to `problems` for every entity held back. A held-back
 * entity is left out (a route naming a held-back upstream with it); the rest is served.
 */
export function compileHttp(registry: Registry, deps: HttpCompileDeps, problems: string[]): HttpSnapshot {
  const upstreams = registry.upstreams.listChecked();
  const routes = registry.routes.listChecked();
  const consumers = registry.consumers.store.listChecked();
  problems.push(...upstreams.problems, ...routes.problems, ...consumers.problems);
  const directory = ConsumerDirectory.compile(
    { consumers: consumers.values, keyHashes: registry.consumers.listKeyHashes(), secret: (name) => registry.secrets.get(name) },
    problems,
  );
  const pools = compilePools(upstreams.values, deps.states);
  const context = { pools, directory, rateLimits: deps.rateLimits, targets: deps.targets, secretBox: () => registry.secretBox() };
  const router = new HttpRouter<ProxyRoute>();
  let routeCount = 0;
  for (const spec of routes.values) {
    if (!spec.enabled) continue;
    try {
      router.add(spec, compileRoute(spec, context));
      routeCount++;
    } catch (err) {
      problems.push(`route "${spec.name}": ${(err as Error).message}`);
    }
  }
  deps.healthChecks?.sync(pools.healthTargets);
  deps.states.retain(pools.targetKeys, pools.poolNames);
  return {
    // route-match hands the request to the route's own chain (its filters, then its terminal).
    handle: buildChain('http', { observability: deps.leadingFilters, 'route-match': routeMatch(router) }),
    router,
    consumers: directory,
    routeCount,
    upstreamCount: pools.byName.size,
  };
}
