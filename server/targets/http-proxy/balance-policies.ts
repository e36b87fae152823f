import type { GatewayContext } from '../../pipeline/index.js';
import type { BalancePolicy, PoolMember } from './upstream-pool.js';

/**
 * Smooth weighted round-robin (nginx's algorithm) over the members available right now: with weights 5,1,1
 * the order is a a b a c a a. Unavailable members neither take turns nor accumulate credit.
 */
export function roundRobinPolicy(count: number): BalancePolicy {
  const current = new Array<number>(count).fill(0);
  return function pickRoundRobin(members, _ctx, now) {
    let best = -1;
    let total = 0;
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      if (m.target.weight === 0 || !m.state.available(now)) continue;
      current[i]! += m.target.weight;
      total += m.target.weight;
      if (best === -1 || current[i]! > current[best]!) best = i;
    }
    if (best === -1) return undefined;
    current[best]! -= total;
    return members[best];
  };
}

/** Fewest in-flight requests per unit of weight; ties go round the members in turn. */
export function leastRequestPolicy(): BalancePolicy {
  let turn = 0;
  return function pickLeastRequest(members, _ctx, now) {
    let best: PoolMember | undefined;
    let bestLoad = Infinity;
    const start = turn++ % members.length;
    for (let k = 0; k < members.length; k++) {
      const m = members[(start + k) % members.length]!;
      if (m.target.weight === 0 || !m.state.available(now)) continue;
      const load = (m.state.active + 1) / m.target.weight;
      if (load < bestLoad) {
        best = m;
        bestLoad = load;
      }
    }
    return best;
  };
}

/** Where the consistent-hash key comes from. */
export interface HashSource {
  readonly source: 'header' | 'cookie' | 'source-ip';
  readonly name?: string;
}

/**
 * Consistent hashing on a ring (virtual nodes proportional to weight): the same key keeps reaching the same
 * target, and removing one target only moves the keys it held. If the key's target is unavailable the walk
 * continues clockwise; a request without the key falls back to round-robin.
 */
export function consistentHashPolicy(members: readonly PoolMember[], on: HashSource): BalancePolicy {
  const ring: Array<{ hash: number; index: number }> = [];
  members.forEach((m, index) => {
    const vnodes = Math.min(160 * m.target.weight, 4000);
    for (let v = 0; v < vnodes; v++) ring.push({ hash: fnv1a(`${m.target.origin}${m.target.basePath}#${v}`), index });
  });
  ring.sort((a, b) => a.hash - b.hash);
  const fallback = roundRobinPolicy(members.length);
  return function pickConsistentHash(list, ctx, now) {
    const key = hashKey(ctx, on);
    if (key === undefined || ring.length === 0) return fallback(list, ctx, now);
    let i = lowerBound(ring, fnv1a(key));
    for (let n = 0; n < ring.length; n++, i++) {
      const m = list[ring[i % ring.length]!.index]!;
      if (m.state.available(now)) return m;
    }
    return undefined;
  };
}

function hashKey(ctx: GatewayContext, on: HashSource): string | undefined {
  if (on.source === 'source-ip') return ctx.request.clientIp ?? ctx.request.remoteAddress;
  if (on.source === 'header') {
    const v = ctx.request.headers[on.name!.toLowerCase()];
    return Array.isArray(v) ? v.join(',') : v;
  }
  return cookie(ctx.request.headers.cookie, on.name!);
}

/** The value of cookie `name` in a Cookie header (RFC 6265 §5.4), or undefined. */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function lowerBound(ring: ReadonlyArray<{ hash: number }>, h: number): number {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring[mid]!.hash < h) lo = mid + 1;
    else hi = mid;
  }
  return lo % ring.length;
}

/**
 * 32-bit FNV-1a with murmur3's final mix: FNV alone barely moves the high bits when keys differ only in their
 * last character (user-1, user-2), which would put them all on one arc of the ring.
 */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
