import { describe, expect, it } from 'vitest';
import { ModelRouter, type ModelMatch, type ModelMatchKey } from '../../../server/routing/model-router.js';

// What the model router does beyond the shared contract (router-contract.test.ts): priorities and consumers, as
// docs/llm.md states them: "Order: priority, then exact > longer prefix > regex, then routes limited to consumers
// before open ones."

type Spec = Partial<ModelMatch> & Pick<ModelMatch, 'name' | 'model'>;

/** A router over `specs` (added in the given order) whose values are the route names. */
function routerOf(specs: Spec[]): ModelRouter<string> {
  const router = new ModelRouter<string>();
  for (const s of specs) router.add({ kind: 'exact', priority: 0, ...s }, s.name);
  return router;
}

const alice: ModelMatchKey['consumer'] = { name: 'alice', groups: [] };
const vip: ModelMatchKey['consumer'] = { name: 'bob', groups: ['vip'] };

describe('ModelRouter', () => {
  it('a higher priority wins over a more specific match', () => {
    const router = routerOf([
      { name: 'exact', model: 'gpt-4o' },
      { name: 'catch-all', model: 'gpt-*', kind: 'prefix', priority: 10 },
    ]);
    expect(router.match({ model: 'gpt-4o' })).toBe('catch-all');
  });

  it('a prefix is written with or without its trailing *', () => {
    const router = routerOf([{ name: 'bare', model: 'claude-', kind: 'prefix' }]);
    expect(router.match({ model: 'claude-3' })).toBe('bare');
    expect(router.match({ model: 'gpt-4' })).toBeUndefined();
  });

  describe('consumers', () => {
    const router = routerOf([
      { name: 'open', model: 'gpt-*', kind: 'prefix' },
      { name: 'vip', model: 'gpt-*', kind: 'prefix', consumers: ['group:vip'] },
      { name: 'alice-only', model: 'o1', consumers: ['alice'] },
    ]);
    it.each([
      ['anonymous', undefined, 'gpt-4', 'open'],
      ['a group member', vip, 'gpt-4', 'vip'],
      ['a consumer outside the list', alice, 'gpt-4', 'open'],
      ['the named consumer', alice, 'o1', 'alice-only'],
      ['anonymous, for a consumers-only model', undefined, 'o1', undefined],
      ['another consumer, for a consumers-only model', vip, 'o1', undefined],
    ])('%s asking for %s', (_, consumer, model, expected) => {
      expect(router.match({ model, consumer })).toBe(expected);
    });

    it('says which models only consumers may use (an anonymous miss is then an auth problem)', () => {
      expect(router.restricted('o1')).toBe(true);
      expect(router.restricted('gpt-4')).toBe(true);
      expect(router.restricted('claude')).toBe(false);
    });
  });

  it('lists its routes in match order, whatever order they were added in', () => {
    const specs: Spec[] = [
      { name: 'regex', model: '^mistral', kind: 'regex' },
      { name: 'short', model: 'gpt-*', kind: 'prefix' },
      { name: 'exact', model: 'gpt-4o' },
      { name: 'long', model: 'gpt-4*', kind: 'prefix' },
      { name: 'urgent', model: 'x', priority: 5 },
    ];
    const want = ['urgent', 'exact', 'long', 'short', 'regex'];
    expect(routerOf(specs).matches().map((m) => m.name)).toEqual(want);
    expect(routerOf([...specs].reverse()).matches().map((m) => m.name)).toEqual(want);
  });
});
