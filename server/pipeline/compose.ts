import type { Filter, GatewayContext, Next } from './types.js';

/**
 * Composes filters into one onion, outermost first. Built once per snapshot, never per request.
 * A filter that calls `next()` twice gets an error rather than running the rest of the chain again.
 */
export function compose(filters: readonly Filter[]): (ctx: GatewayContext) => Promise<void> {
  const chain = [...filters];
  return function run(ctx) {
    let index = -1;
    const step = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error(`filter ${chain[index]?.name || index} called next() twice`));
      index = i;
      const filter = chain[i];
      if (!filter) return Promise.resolve();
      const next: Next = () => step(i + 1);
      try {
        return filter(ctx, next);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return step(0);
  };
}
