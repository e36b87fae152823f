import { GatewayError, errors } from '../errors/index.js';
import type { Filter, GatewayContext, Next } from './types.js';

/**
 * Composes filters into one onion, outermost first, ending in `terminal`: the filter that answers (dispatch to a
 * target, a redirect, a direct response, the admission of an MCP message). Built once per snapshot, never per
 * request. A chain without a terminal is refused when it is built; a terminal that calls `next()` (a pass-through
 * filter put last by mistake) gets GW_ERR_PIPELINE_UNTERMINATED rather than a request that ends without an
 * answer. A filter that calls `next()` twice gets an error rather than running the rest of the chain again.
 */
export function compose(filters: readonly Filter[], terminal: Filter): (ctx: GatewayContext) => Promise<void> {
  if (typeof terminal !== 'function') throw unterminated(`no terminal after ${filters.map((f) => f.name).join(', ') || 'an empty chain'}`);
  const chain = [...filters, terminal];
  const last = chain.length - 1;
  return function run(ctx) {
    let index = -1;
    const step = (i: number): Promise<void> => {
      // next() of filter i - 1 leads to step i: reaching a step already run means that filter called it twice.
      if (i <= index) return Promise.reject(new Error(`filter ${chain[i - 1]?.name || i - 1} called next() twice`));
      if (i > last) return Promise.reject(unterminated(`${terminal.name || 'the terminal'} called next()`));
      index = i;
      const next: Next = () => step(i + 1);
      try {
        return chain[i]!(ctx, next);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return step(0);
  };
}

function unterminated(why: string): GatewayError {
  return new GatewayError(errors.GW_ERR_PIPELINE_UNTERMINATED, [], { cause: new Error(why) });
}
