/**
 * The shared shape of agate's routers (paths, model names, tool names): add entries, then match keys. Every
 * router keeps one contract, checked for each by test/server/routing/router-contract.test.ts: the most specific
 * entry wins (exact > longer prefix > shorter prefix > pattern), equally specific entries are ordered by the
 * router's own tie-breaker (route name, member order), an identical entry added again keeps the first value, and
 * the order of adding never changes the result.
 */
export interface Router<M, K, T> {
  /** Adds an entry; order of adding never changes the result (the router orders by its own rules). */
  add(match: M, value: T): void;
  /** The best entry for `key`, or undefined. */
  match(key: K): T | undefined;
}
