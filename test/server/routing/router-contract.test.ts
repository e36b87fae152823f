import { describe, expect, it } from 'vitest';
import { HttpRouter, type HttpMatch, type HttpMatchKey } from '../../../server/routing/http-router.js';
import { ModelRouter, type ModelMatch, type ModelMatchKey } from '../../../server/routing/model-router.js';
import { ToolRouter, type ToolMatch } from '../../../server/routing/tool-router.js';
import type { Router } from '../../../server/routing/types.js';

/**
 * One contract every router keeps (design.md §3, after Hono's shared router tests). Names are written as
 * segments (`['a', 'b']`); each router's adapter spells them its own way (`/a/b`, `a-b`, `a___b`) and says how it
 * writes an exact match, a prefix match (every name strictly under the segments) and, where it has one, a
 * pattern match (one more segment, any value). `tie` orders equally specific entries: the lower one wins, the
 * router's own tie-breaker (route name, member order) spelt by the adapter.
 */
interface Adapter<M, K> {
  readonly name: string;
  create(): Router<M, K, unknown>;
  exact(segs: readonly string[], tie: number): M;
  prefix(segs: readonly string[], tie: number): M;
  /** Undefined: the router has no pattern matches. */
  pattern?: (segs: readonly string[], tie: number) => M;
  key(segs: readonly string[]): K;
}

/** Route names that sort in tie order (the tie-breaker of routers whose last word is the name). */
const routeName = (tie: number) => `route-${String(tie).padStart(3, '0')}`;

const http: Adapter<HttpMatch, HttpMatchKey> = {
  name: 'HttpRouter (paths)',
  create: () => new HttpRouter(),
  exact: (segs, tie) => ({ name: routeName(tie), path: `/${segs.join('/')}`, pathType: 'exact', priority: 0 }),
  prefix: (segs, tie) => ({ name: routeName(tie), path: `/${segs.join('/')}`, pathType: 'prefix', priority: 0 }),
  pattern: (segs, tie) => ({ name: routeName(tie), path: `^/${segs.join('/')}/[^/]+$`, pathType: 'regex', priority: 0 }),
  key: (segs) => ({ method: 'GET', path: `/${segs.join('/')}`, host: 'example.com' }),
};

const model: Adapter<ModelMatch, ModelMatchKey> = {
  name: 'ModelRouter (model names)',
  create: () => new ModelRouter(),
  exact: (segs, tie) => ({ name: routeName(tie), model: segs.join('-'), kind: 'exact', priority: 0 }),
  prefix: (segs, tie) => ({ name: routeName(tie), model: `${segs.join('-')}-*`, kind: 'prefix', priority: 0 }),
  pattern: (segs, tie) => ({ name: routeName(tie), model: `^${segs.join('-')}-[^-]+$`, kind: 'regex', priority: 0 }),
  key: (segs) => ({ model: segs.join('-') }),
};

const tool: Adapter<ToolMatch, string> = {
  name: 'ToolRouter (MCP tool names)',
  create: () => new ToolRouter(),
  exact: (segs, tie) => ({ name: segs.join('___'), kind: 'exact', order: tie }),
  prefix: (segs, tie) => ({ name: `${segs.join('___')}___`, kind: 'prefix', order: tie }),
  key: (segs) => segs.join('___'),
};

/** An entry of a table: how it matches, and the value the router hands back for it. */
interface Row {
  readonly kind: 'exact' | 'prefix' | 'pattern';
  readonly segs: readonly string[];
  readonly tie: number;
}

const label = (r: Row) => `${r.kind} ${r.segs.join('/')} #${r.tie}`;

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe.each([http, model, tool] as Adapter<unknown, unknown>[])('router contract: $name', (adapter) => {
  const supports = (r: Row) => r.kind !== 'pattern' || adapter.pattern !== undefined;
  const matchOf = (r: Row) => (r.kind === 'pattern' ? adapter.pattern!(r.segs, r.tie) : adapter[r.kind](r.segs, r.tie));
  /** A router holding `rows` (added in this order), each row's value its label. */
  const routerOf = (rows: readonly Row[]) => {
    const router = adapter.create();
    for (const r of rows) router.add(matchOf(r), label(r));
    return router;
  };
  const lookup = (router: Router<unknown, unknown, unknown>, segs: readonly string[]) => router.match(adapter.key(segs));

  it('an empty router matches nothing', () => {
    const router = adapter.create();
    for (const segs of [['a'], ['a', 'b'], ['x', 'y', 'z']]) expect(lookup(router, segs)).toBeUndefined();
  });

  describe('no entry for the key → undefined', () => {
    const rows: Row[] = [
      { kind: 'exact', segs: ['a', 'b'], tie: 0 },
      { kind: 'prefix', segs: ['c'], tie: 0 },
      { kind: 'pattern', segs: ['d'], tie: 0 },
    ];
    it.each([[['x']], [['a']], [['a', 'b', 'c']], [['b']], [['cc', 'x']], [['x', 'c', 'y']], [['d', 'x', 'y']], [['dd', 'x']]])('%j', (segs) => {
      expect(lookup(routerOf(rows.filter(supports)), segs)).toBeUndefined();
    });
  });

  it('an exact entry matches its own name only', () => {
    const router = routerOf([{ kind: 'exact', segs: ['a', 'b'], tie: 0 }]);
    expect(lookup(router, ['a', 'b'])).toBe('exact a/b #0');
    for (const segs of [['a'], ['a', 'b', 'c'], ['a', 'bb'], ['b']]) expect(lookup(router, segs)).toBeUndefined();
  });

  it('a prefix entry matches every name under it', () => {
    const router = routerOf([{ kind: 'prefix', segs: ['a'], tie: 0 }]);
    for (const segs of [['a', 'b'], ['a', 'b', 'c'], ['a', 'zz']]) expect(lookup(router, segs)).toBe('prefix a #0');
    expect(lookup(router, ['b', 'a'])).toBeUndefined();
  });

  it('odd names are answered, not thrown on: empty, non-ASCII, very long, Object.prototype keys', () => {
    const rows: Row[] = [
      { kind: 'exact', segs: ['a'], tie: 0 },
      { kind: 'prefix', segs: ['b'], tie: 0 },
      { kind: 'pattern', segs: ['c'], tie: 0 },
    ];
    const router = routerOf(rows.filter(supports));
    for (const segs of [[''], ['é', '☃'], ['x'.repeat(10_000)], ['constructor'], ['__proto__'], ['toString']]) {
      expect(lookup(router, segs)).toBeUndefined();
    }
    expect(lookup(router, ['b', '__proto__'])).toBe('prefix b #0');
  });

  it('returns the very value that was added', () => {
    const router = adapter.create();
    const value = { some: 'route' };
    router.add(adapter.exact(['a'], 0), value);
    expect(router.match(adapter.key(['a']))).toBe(value);
  });

  describe('the most specific entry wins', () => {
    const cases: Array<[string, Row[], string[], string]> = [
      ['exact over prefix', [{ kind: 'prefix', segs: ['a'], tie: 0 }, { kind: 'exact', segs: ['a', 'b'], tie: 1 }], ['a', 'b'], 'exact a/b #1'],
      ['longer prefix over shorter', [{ kind: 'prefix', segs: ['a'], tie: 0 }, { kind: 'prefix', segs: ['a', 'b'], tie: 1 }], ['a', 'b', 'c'], 'prefix a/b #1'],
      ['exact over pattern', [{ kind: 'pattern', segs: ['a'], tie: 0 }, { kind: 'exact', segs: ['a', 'b'], tie: 1 }], ['a', 'b'], 'exact a/b #1'],
      ['prefix over pattern', [{ kind: 'pattern', segs: ['a'], tie: 0 }, { kind: 'prefix', segs: ['a'], tie: 1 }], ['a', 'b'], 'prefix a #1'],
    ];
    it.each(cases.filter(([, rows]) => rows.every(supports)))('%s, in either order of adding', (_, rows, segs, expected) => {
      expect(lookup(routerOf(rows), segs)).toBe(expected);
      expect(lookup(routerOf([...rows].reverse()), segs)).toBe(expected);
    });
  });

  describe('equally specific entries: the tie-breaker decides, not the order of adding', () => {
    const cases: Array<[Row['kind'], string[]]> = [
      ['exact', ['a', 'b']],
      ['prefix', ['a', 'b', 'c']],
      ['pattern', ['a', 'b']],
    ];
    it.each(cases.filter(([kind]) => supports({ kind, segs: [], tie: 0 })))('%s', (kind, segs) => {
      const rows: Row[] = [0, 1, 2].map((tie) => ({ kind, segs: ['a', ...(kind === 'exact' ? ['b'] : [])], tie }));
      for (const order of permutations(rows)) expect(lookup(routerOf(order), segs)).toBe(label(rows[0]!));
    });
  });

  it('an identical entry added again keeps the first value and shadows nothing else', () => {
    const router = adapter.create();
    router.add(adapter.exact(['a', 'b'], 0), 'first');
    router.add(adapter.prefix(['a'], 0), 'prefix');
    router.add(adapter.exact(['a', 'b'], 0), 'second');
    router.add(adapter.prefix(['a'], 0), 'prefix again');
    expect(router.match(adapter.key(['a', 'b']))).toBe('first');
    expect(router.match(adapter.key(['a', 'c']))).toBe('prefix');
  });

  it('an entry added after a lookup takes part in the next one', () => {
    const router = routerOf([{ kind: 'prefix', segs: ['a'], tie: 0 }]);
    expect(lookup(router, ['a', 'b'])).toBe('prefix a #0');
    router.add(adapter.exact(['a', 'b'], 1), 'late exact');
    expect(lookup(router, ['a', 'b'])).toBe('late exact');
    expect(lookup(router, ['a', 'c'])).toBe('prefix a #0');
  });

  // Every order of adding a small table gives the same answers; the answers are the rules above, by hand.
  describe('the order of adding never changes the result (all permutations)', () => {
    const table: Row[] = [
      { kind: 'exact', segs: ['a', 'b'], tie: 1 },
      { kind: 'exact', segs: ['a', 'b'], tie: 0 },
      { kind: 'prefix', segs: ['a'], tie: 0 },
      { kind: 'prefix', segs: ['a', 'b'], tie: 1 },
      { kind: 'prefix', segs: ['a', 'b'], tie: 0 },
      { kind: 'pattern', segs: ['a'], tie: 0 },
    ];
    const expected: Array<[string[], string | undefined]> = [
      [['a', 'b'], 'exact a/b #0'],
      [['a', 'b', 'c'], 'prefix a/b #0'],
      [['a', 'c'], 'prefix a #0'],
      [['a', 'c', 'd'], 'prefix a #0'],
      [['b', 'a'], undefined],
    ];
    const rows = table.filter(supports);
    it(`${permutations(rows).length} orders, each answering ${expected.length} keys alike`, () => {
      for (const order of permutations(rows)) {
        const router = routerOf(order);
        for (const [segs, want] of expected) expect(lookup(router, segs), `${segs.join('/')} after ${order.map(label).join(', ')}`).toBe(want);
      }
    });
  });

  it.skipIf(!adapter.pattern)('a pattern entry matches what its pattern says, below every prefix', () => {
    const router = routerOf([{ kind: 'pattern', segs: ['a'], tie: 0 }, { kind: 'prefix', segs: ['b'], tie: 0 }]);
    expect(lookup(router, ['a', 'x'])).toBe('pattern a #0');
    expect(lookup(router, ['a', 'x', 'y'])).toBeUndefined();
    expect(lookup(router, ['b', 'x'])).toBe('prefix b #0');
  });
});
