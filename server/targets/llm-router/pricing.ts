/**
 * What an LLM call costs, from the per-model prices of its provider (llm-provider.schema.json `prices`, USD per
 * 1M tokens). Cost budgets charge it; cached and reasoning tokens are priced as ordinary prompt and completion
 * tokens (an upper bound where a provider discounts cached input).
 */
import type { ModelPrice } from '../../../registry/index.js';
import type { CompiledProvider } from './router/types.js';

/** The price of `model` at a provider: its own entry, else the provider's `'*'` entry. */
export function priceOf(prices: Readonly<Record<string, ModelPrice>> | undefined, model: string): ModelPrice | undefined {
  if (!prices) return undefined;
  return Object.hasOwn(prices, model) ? prices[model] : Object.hasOwn(prices, '*') ? prices['*'] : undefined;
}

/** USD for `prompt` and `completion` tokens at `price`. */
export function costUsd(price: ModelPrice, prompt: number, completion: number): number {
  return (prompt * price.input + completion * price.output) / 1_000_000;
}

/** One place a route sends to, as far as pricing goes: the provider and the upstream model for a requested one. */
export interface PricedTarget {
  readonly provider: Pick<CompiledProvider, 'name' | 'mapModel' | 'prices'>;
  readonly model?: string;
}

/** The upstream model a target calls for `requested` (its fixed model, else the provider's model map). */
export function upstreamModel(t: PricedTarget, requested: string): string | undefined {
  if (t.model) return t.model;
  try {
    return t.provider.mapModel(requested);
  } catch {
    return undefined;
  }
}

/**
 * The highest input and output prices among `targets` for `requested` (a reservation must cover whichever the
 * router picks); undefined when one of them has no price.
 */
export function highestPrice(targets: readonly PricedTarget[], requested: string): ModelPrice | undefined {
  let input = 0;
  let output = 0;
  for (const t of targets) {
    const model = upstreamModel(t, requested);
    const price = model === undefined ? undefined : priceOf(t.provider.prices, model);
    if (!price) return undefined;
    input = Math.max(input, price.input);
    output = Math.max(output, price.output);
  }
  return { input, output };
}

/** The price a call served by `provider` with upstream `model` is charged at, among a route's targets. */
export function servedPrice(targets: readonly PricedTarget[], provider: string, model: string): ModelPrice | undefined {
  const t = targets.find((x) => x.provider.name === provider);
  return t && priceOf(t.provider.prices, model);
}
