/** Deepest nesting of arrays and objects accepted in an admin request body. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests arrays/objects deeper than `max`. Iterative: the body it guards against is one
 * whose depth would overflow the stack of any recursive walk (schema validation, JSON.stringify).
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
