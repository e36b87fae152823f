/** One place a request can be sent. */
export interface ProxyTarget {
  /** scheme://host:port */
  readonly origin: string;
  /** Path prefix to put before the request path ('' when the target URL has none). */
  readonly basePath: string;
  readonly weight: number;
}

/** An upstream compiled into a snapshot: picks a target per request. */
export interface UpstreamBalancer {
  readonly name: string;
  readonly targets: readonly ProxyTarget[];
  pick(): ProxyTarget;
}

/** Parses a target URL into origin and base path. */
export function toProxyTarget(url: string, weight: number): ProxyTarget {
  const u = new URL(url);
  const basePath = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return Object.freeze({ origin: u.origin, basePath, weight });
}

/**
 * Smooth weighted round-robin (nginx's algorithm): with weights 5,1,1 the order is a a b a c a a,
 * spreading the heavy target's turns instead of bunching them.
 */
export function roundRobin(name: string, targets: readonly ProxyTarget[]): UpstreamBalancer {
  const live = targets.filter((t) => t.weight > 0);
  if (live.length === 0) throw new Error(`upstream ${name} has no target with a weight above 0`);
  if (live.length === 1) {
    const only = live[0]!;
    return { name, targets, pick: () => only };
  }
  const current = live.map(() => 0);
  const total = live.reduce((s, t) => s + t.weight, 0);
  return {
    name,
    targets,
    pick() {
      let best = 0;
      for (let i = 0; i < live.length; i++) {
        current[i]! += live[i]!.weight;
        if (current[i]! > current[best]!) best = i;
      }
      current[best]! -= total;
      return live[best]!;
    },
  };
}
