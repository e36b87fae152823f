import { compileConfigRegex } from '../../registry/index.js';
import type { Router } from './types.js';

/** What an LLM route matches on. */
export interface ModelMatch {
  /** Route name: the final tie-breaker. */
  name: string;
  /** Model pattern ('gpt-*' for a prefix, the trailing '*' optional when `kind` is prefix). */
  model: string;
  kind: 'exact' | 'prefix' | 'regex';
  /** Consumer names or `group:NAME`; undefined matches everyone (including anonymous callers). */
  consumers?: readonly string[];
  priority: number;
}

/** The request facts a route is matched against. */
export interface ModelMatchKey {
  model: string;
  consumer?: { name: string; groups: readonly string[] };
}

interface Entry<T> {
  m: ModelMatch;
  test: (model: string) => boolean;
  consumers?: ReadonlySet<string>;
  rank: number[];
  value: T;
}

/**
 * Routes by requested model name and consumer. Order: priority, then specificity (exact > longer prefix >
 * shorter prefix > regex; a consumer list > everyone), then name, so adding order never matters.
 */
export class ModelRouter<T> implements Router<ModelMatch, ModelMatchKey, T> {
  private entries: Entry<T>[] = [];

  /** Adds a route; throws on an invalid regex (the registry has already rejected those). */
  add(m: ModelMatch, value: T): void {
    const entry = compileEntry(m, value);
    this.entries.push(entry);
    this.entries.sort(compareEntries);
  }

  /** The best route for the model and consumer, or undefined. */
  match(key: ModelMatchKey): T | undefined {
    for (const e of this.entries) {
      if (!e.test(key.model)) continue;
      if (e.consumers && !consumerAllowed(e.consumers, key.consumer)) continue;
      return e.value;
    }
    return undefined;
  }

  /** True when some route restricted to consumers takes this model (so an anonymous miss is an auth problem). */
  restricted(model: string): boolean {
    return this.entries.some((e) => e.consumers !== undefined && e.test(model));
  }

  /** Every route's match, in match order (for `/v1/models`). */
  matches(): ModelMatch[] {
    return this.entries.map((e) => e.m);
  }
}

function compileEntry<T>(m: ModelMatch, value: T): Entry<T> {
  const consumers = m.consumers ? new Set(m.consumers) : undefined;
  const specificity = consumers ? 1 : 0;
  if (m.kind === 'exact') return { m, value, consumers, test: (model) => model === m.model, rank: [m.priority, 3, 0, specificity] };
  if (m.kind === 'prefix') {
    const prefix = m.model.endsWith('*') ? m.model.slice(0, -1) : m.model;
    return { m, value, consumers, test: (model) => model.startsWith(prefix), rank: [m.priority, 2, prefix.length, specificity] };
  }
  const re = compileConfigRegex(m.model, 'llmRoute.model');
  return { m, value, consumers, test: (model) => re.test(model), rank: [m.priority, 1, 0, specificity] };
}

function compareEntries<T>(a: Entry<T>, b: Entry<T>): number {
  for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return b.rank[i]! - a.rank[i]!;
  return a.m.name < b.m.name ? -1 : a.m.name > b.m.name ? 1 : 0;
}

function consumerAllowed(allowed: ReadonlySet<string>, consumer: ModelMatchKey['consumer']): boolean {
  if (!consumer) return false;
  if (allowed.has(consumer.name)) return true;
  return consumer.groups.some((g) => allowed.has(`group:${g}`));
}
