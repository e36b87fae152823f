import { describe, expect, it } from 'vitest';
import { HttpRouter, type HttpMatch } from '../../../server/routing/http-router.js';

type Spec = Partial<HttpMatch> & Pick<HttpMatch, 'name' | 'path'>;

/** A router over `specs` (added in the given order) whose values are the route names. */
function routerOf(specs: Spec[]): HttpRouter<string> {
  const router = new HttpRouter<string>();
  for (const s of specs) router.add({ pathType: 'prefix', priority: 0, ...s }, s.name);
  return router;
}

const match = (router: HttpRouter<string>, path: string, host = 'example.com', method = 'GET') => router.match({ method, path, host });

describe('HttpRouter', () => {
  describe('prefix paths are segment-aware', () => {
    const router = routerOf([{ name: 'echo', path: '/echo' }, { name: 'slash', path: '/dir/' }]);
    it.each([
      ['/echo', 'echo'],
      ['/echo/', 'echo'],
      ['/echo/x/y', 'echo'],
      ['/echoes', undefined],
      ['/echo-x', undefined],
      ['/ech', undefined],
      ['/dir/', 'slash'],
      ['/dir/x', 'slash'],
      ['/dir', undefined],
      ['/directory', undefined],
    ])('%s → %s', (path, expected) => {
      expect(match(router, path)).toBe(expected);
    });

    it('"/" matches every path', () => {
      const root = routerOf([{ name: 'root', path: '/' }]);
      for (const p of ['/', '/a', '/a/b/c']) expect(match(root, p)).toBe('root');
    });
  });

  describe('exact and regex paths', () => {
    const router = routerOf([
      { name: 'exact', path: '/health', pathType: 'exact' },
      { name: 'items', path: '/items/[0-9]+$', pathType: 'regex' },
      { name: 'anchored', path: '^/v[0-9]+/users', pathType: 'regex' },
    ]);
    it.each([
      ['/health', 'exact'],
      ['/health/', undefined],
      ['/healthz', undefined],
      ['/items/42', 'items'],
      ['/items/abc', undefined],
      // A regex without ^ is still anchored at the start of the path: it cannot match in the middle.
      ['/x/items/42', undefined],
      ['/v2/users/7', 'anchored'],
      ['/api/v2/users', undefined],
    ])('%s → %s', (path, expected) => {
      expect(match(router, path)).toBe(expected);
    });
  });

  describe('hosts', () => {
    const router = routerOf([
      { name: 'exact-host', path: '/', host: 'api.example.com' },
      { name: 'wildcard', path: '/', host: '*.example.com' },
      { name: 'mixed-case-port', path: '/', host: 'Shop.Example.ORG:8443' },
    ]);
    it.each([
      ['api.example.com', 'exact-host'],
      ['www.example.com', 'wildcard'],
      ['a.b.example.com', 'wildcard'],
      ['example.com', undefined],
      ['badexample.com', undefined],
      ['api.example.com.evil.net', undefined],
      ['shop.example.org', 'mixed-case-port'],
      ['other.org', undefined],
    ])('%s → %s', (host, expected) => {
      expect(match(router, '/x', host)).toBe(expected);
    });

    it('a route without a host matches any host', () => {
      expect(match(routerOf([{ name: 'any', path: '/' }]), '/', 'whatever.test')).toBe('any');
    });
  });

  describe('methods', () => {
    const router = routerOf([{ name: 'writes', path: '/api', methods: ['POST', 'PUT'] }, { name: 'reads', path: '/api', methods: ['GET'] }]);
    it.each([
      ['POST', 'writes'],
      ['PUT', 'writes'],
      ['GET', 'reads'],
      ['DELETE', undefined],
      ['HEAD', undefined],
    ])('%s → %s', (method, expected) => {
      expect(match(router, '/api/x', 'example.com', method)).toBe(expected);
    });
  });

  describe('the most specific route wins', () => {
    it.each<[string, Spec[], string, string]>([
      ['exact beats prefix', [{ name: 'a', path: '/x' }, { name: 'b', path: '/x', pathType: 'exact' }], '/x', 'b'],
      ['prefix beats regex', [{ name: 'a', path: '/x.*', pathType: 'regex' }, { name: 'b', path: '/x' }], '/x/1', 'b'],
      ['the longer prefix wins', [{ name: 'a', path: '/api' }, { name: 'b', path: '/api/v1' }], '/api/v1/x', 'b'],
      ['the shorter prefix still serves what the longer does not', [{ name: 'a', path: '/api' }, { name: 'b', path: '/api/v1' }], '/api/v2', 'a'],
      ['an exact host beats a wildcard', [{ name: 'a', path: '/', host: '*.example.com' }, { name: 'b', path: '/', host: 'api.example.com' }], '/', 'b'],
      ['a wildcard host beats any host', [{ name: 'a', path: '/' }, { name: 'b', path: '/', host: '*.example.com' }], '/', 'b'],
      ['a method list beats any method', [{ name: 'a', path: '/' }, { name: 'b', path: '/', methods: ['GET'] }], '/', 'b'],
      // Documented order: host specificity is compared before path specificity (virtual hosts first).
      ['a host match beats a longer prefix on any host', [{ name: 'a', path: '/', host: 'api.example.com' }, { name: 'b', path: '/v1' }], '/v1/x', 'a'],
      ['among routes of one host, the longer prefix wins', [{ name: 'a', path: '/', host: 'api.example.com' }, { name: 'b', path: '/v1', host: 'api.example.com' }], '/v1/x', 'b'],
    ])('%s', (_what, specs, path, expected) => {
      const host = 'api.example.com';
      expect(match(routerOf(specs), path, host)).toBe(expected);
      expect(match(routerOf([...specs].reverse()), path, host)).toBe(expected);
    });
  });

  describe('priority', () => {
    it.each<[string, Spec[], string]>([
      ['a higher priority beats an exact path', [{ name: 'exact', path: '/x', pathType: 'exact' }, { name: 'prio', path: '/', priority: 1 }], 'prio'],
      ['a higher priority beats a longer prefix', [{ name: 'long', path: '/x/y/z' }, { name: 'prio', path: '/x', priority: 10 }], 'prio'],
      ['a negative priority loses to the default', [{ name: 'low', path: '/x/y/z', priority: -1 }, { name: 'default', path: '/' }], 'default'],
    ])('%s', (_what, specs, expected) => {
      expect(match(routerOf(specs), '/x/y/z')).toBe(expected);
      expect(match(routerOf([...specs].reverse()), '/x/y/z')).toBe(expected);
    });

    it('a higher priority that does not match does not win', () => {
      expect(match(routerOf([{ name: 'prio', path: '/other', priority: 100 }, { name: 'plain', path: '/x' }]), '/x')).toBe('plain');
    });
  });

  describe('ties are broken by name, whatever the order of adding', () => {
    const tied: Spec[] = [
      { name: 'charlie', path: '/same' },
      { name: 'alpha', path: '/same' },
      { name: 'bravo', path: '/same' },
    ];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    it.each(orders)('order %i %i %i → alpha', (...order) => {
      expect(match(routerOf(order.map((i) => tied[i]!)), '/same/x')).toBe('alpha');
    });
  });

  it('adding routes after a match re-sorts before the next match', () => {
    const router = routerOf([{ name: 'short', path: '/a' }]);
    expect(match(router, '/a/b')).toBe('short');
    router.add({ name: 'long', path: '/a/b', pathType: 'prefix', priority: 0 }, 'long');
    expect(match(router, '/a/b')).toBe('long');
  });

  it('matches nothing when empty', () => {
    expect(match(new HttpRouter<string>(), '/')).toBeUndefined();
  });
});
