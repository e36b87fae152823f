/**
 * Token check outcomes remembered until a deadline each, at most `limit` of them: when full it is cleared
 * whole, so a flood of distinct tokens costs one refill, never unbounded memory.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly limit: number) {}

  /** The value under `key`, if its deadline has not passed. */
  get(key: string, now = Date.now()): V | undefined {
    const hit = this.entries.get(key);
    return hit && hit.until > now ? hit.value : undefined;
  }

  /** Remembers `value` under `key` until `until` (epoch ms). */
  set(key: string, value: V, until: number): void {
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, { value, until });
  }
}
