import type { CompiledTarget, LlmRoute } from './types.js';

/**
 * The order in which a request tries a route's targets: one weighted-random pick, then the other weighted
 * targets (heaviest first), then the fallback chain in its configured order.
 */
export function candidateOrder(route: LlmRoute, random: () => number = Math.random): readonly CompiledTarget[] {
  // The common route: one target, no fallback; nothing to pick or sort.
  if (route.targets.length === 1 && route.fallback.length === 0) return route.targets[0]!.weight > 0 ? route.targets : [];
  const weighted = route.targets.filter((t) => t.weight > 0);
  const first = pickWeighted(weighted, random);
  const rest = weighted.filter((t) => t !== first).sort((a, b) => b.weight - a.weight);
  return [...(first ? [first] : []), ...rest, ...route.fallback];
}

function pickWeighted(targets: readonly CompiledTarget[], random: () => number): CompiledTarget | undefined {
  if (targets.length <= 1) return targets[0];
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  let r = random() * total;
  for (const t of targets) {
    r -= t.weight;
    if (r < 0) return t;
  }
  return targets[targets.length - 1];
}
