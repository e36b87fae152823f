import type { Registry } from '../../registry/index.js';

/** Consumers `names` (no groups), each with an API key issued: the keys by consumer. */
export function consumersWithKeys(r: Registry, names: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const name of names) {
    r.consumers.store.create({ name, groups: [] }, 'cli');
    keys[name] = r.consumers.issueKey(name, 'cli').key;
  }
  return keys;
}
