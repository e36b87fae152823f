import type { UpstreamSpec } from '../../registry/index.js';
import {
  UpstreamPool,
  consistentHashPolicy,
  leastRequestPolicy,
  roundRobinPolicy,
  targetKey,
  toProxyTarget,
  type BalancePolicy,
  type HealthCheckTarget,
  type PoolMember,
  type TargetStates,
} from '../targets/http-proxy/index.js';

/** The pools of one snapshot and what the long-lived registries must keep. */
export interface CompiledPools {
  readonly byName: ReadonlyMap<string, UpstreamPool>;
  /** A pool for a route whose upstream is a literal URL (one per URL, shared by routes). */
  forUrl(url: string): UpstreamPool;
  /** Targets with active health checks. */
  readonly healthTargets: HealthCheckTarget[];
  /** Keys of every target state in use (the rest are forgotten). */
  readonly targetKeys: Set<string>;
  /** Names of every pool, URL pools included (their retry budgets are kept). */
  readonly poolNames: Set<string>;
}

/** Compiles upstreams into pools whose target states come from `states` (kept across snapshots). */
export function compilePools(upstreams: readonly UpstreamSpec[], states: TargetStates): CompiledPools {
  const byName = new Map<string, UpstreamPool>();
  const healthTargets: HealthCheckTarget[] = [];
  const targetKeys = new Set<string>();
  const poolNames = new Set(upstreams.map((u) => u.name));
  for (const u of upstreams) {
    const members: PoolMember[] = u.targets.map((t) => {
      targetKeys.add(targetKey(u.name, t.url));
      return Object.freeze({ target: toProxyTarget(t.url, t.weight), state: states.target(u.name, t.url) });
    });
    byName.set(u.name, new UpstreamPool({ name: u.name, members, policy: policyFor(u, members), outlier: u.outlier, budget: states.budget(u.name) }));
    if (u.healthCheck) {
      for (const [i, m] of members.entries()) {
        const key = targetKey(u.name, u.targets[i]!.url);
        healthTargets.push({ key, origin: m.target.origin, basePath: m.target.basePath, config: u.healthCheck, state: m.state });
      }
    }
  }
  for (const u of upstreams) {
    const pool = byName.get(u.name)!;
    pool.fallback = Object.freeze((u.fallback ?? []).map((f) => byName.get(f)).filter((p): p is UpstreamPool => p !== undefined));
  }
  const urlPools = new Map<string, UpstreamPool>();
  return {
    byName,
    healthTargets,
    targetKeys,
    poolNames,
    forUrl(url) {
      let pool = urlPools.get(url);
      if (!pool) {
        const name = new URL(url).host;
        targetKeys.add(targetKey(name, url));
        poolNames.add(name);
        const members = [Object.freeze({ target: toProxyTarget(url, 1), state: states.target(name, url) })];
        urlPools.set(url, (pool = new UpstreamPool({ name, members, policy: roundRobinPolicy(1), outlier: undefined, budget: states.budget(name) })));
      }
      return pool;
    },
  };
}

function policyFor(u: UpstreamSpec, members: readonly PoolMember[]): BalancePolicy {
  if (u.balance === 'least-request') return leastRequestPolicy();
  if (u.balance === 'consistent-hash' && u.hashOn) return consistentHashPolicy(members, u.hashOn);
  return roundRobinPolicy(members.length);
}
