import { isUpstreamUrl, type Registry, type RouteSpec, type UpstreamSpec } from '../../registry/index.js';
import { buildPipeline, type Filter, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { HttpRouter } from '../routing/http-router.js';
import { roundRobin, toProxyTarget, type ProxyRoute, type UpstreamBalancer } from '../targets/http-proxy/index.js';
import { routeMatch } from '../filters/route-match.js';
import type { HttpSnapshot } from './snapshot.js';

/** Long-lived pieces the HTTP part is built with. */
export interface HttpCompileDeps {
  /** Filters that run before route matching (observability first). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
}

/** Compiles routes and upstreams; appends a message to `problems` for every bad row. */
export function compileHttp(registry: Registry, deps: HttpCompileDeps, problems: string[]): HttpSnapshot {
  const upstreams = registry.upstreams.listChecked();
  const routes = registry.routes.listChecked();
  problems.push(...upstreams.problems, ...routes.problems);
  const balancers = new Map<string, UpstreamBalancer>();
  for (const u of upstreams.values) balancers.set(u.name, compileUpstream(u));
  const router = new HttpRouter<ProxyRoute>();
  let routeCount = 0;
  for (const spec of routes.values) {
    if (!spec.enabled) continue;
    const upstream = isUpstreamUrl(spec.upstream) ? urlBalancer(spec) : balancers.get(spec.upstream);
    if (!upstream) {
      problems.push(`route "${spec.name}": route.upstream: no upstream named "${spec.upstream}"`);
      continue;
    }
    router.add(spec, compileRoute(spec, upstream));
    routeCount++;
  }
  return {
    handle: buildPipeline([...deps.leadingFilters, routeMatch(router)], deps.targets),
    routeCount,
    upstreamCount: balancers.size,
  };
}

function compileUpstream(u: UpstreamSpec): UpstreamBalancer {
  return roundRobin(u.name, u.targets.map((t) => toProxyTarget(t.url, t.weight)));
}

function urlBalancer(spec: RouteSpec): UpstreamBalancer {
  return roundRobin(new URL(spec.upstream).host, [toProxyTarget(spec.upstream, 1)]);
}

function compileRoute(spec: RouteSpec, upstream: UpstreamBalancer): ProxyRoute {
  return Object.freeze({
    name: spec.name,
    target: Object.freeze({ kind: 'http-proxy' as const }),
    upstream,
    stripPrefix: spec.stripPrefix && spec.pathType === 'prefix' ? spec.path.replace(/\/$/, '') : undefined,
    timeoutMs: spec.timeoutMs,
  });
}
