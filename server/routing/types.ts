/** The shared shape of agate's routers (paths, model names, tool names): add entries, then match keys. */
export interface Router<M, K, T> {
  /** Adds an entry; order of adding never changes the result (the router orders by its own rules). */
  add(match: M, value: T): void;
  /** The best entry for `key`, or undefined. */
  match(key: K): T | undefined;
}
