import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { closedPort, configure, resetConfig } from '../../helpers/proxy.js';

describe('load balancing, canaries and resilience', () => {
  let gw: TestGateway;
  const ups: Record<string, LoopbackUpstream> = {};
  let healthy = true;
  const held: Array<() => void> = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    for (const name of ['a', 'b', 'c', 'canary', 'backup']) {
      ups[name] = await startUpstream(name, (req, res) => {
        if (req.url === '/healthz') return void res.writeHead(healthy ? 200 : 503).end();
        if (req.url?.includes('slow') && name === 'a') {
          held.push(() => res.writeHead(200, { 'x-upstream': name }).end(name));
          return;
        }
        res.writeHead(200, { 'x-upstream': name }).end(name);
      });
    }
  });
  afterAll(async () => {
    await gw.stop();
    for (const u of Object.values(ups)) await u.close();
  });

  const hit = async (path = '/p/x', headers: Record<string, string> = {}) => {
    const res = await fetch(gw.url + path, { headers });
    return res.status === 200 ? await res.text() : `${res.status}:${(await res.json()).error.code}`;
  };
  const hits = async (n: number, path?: string, headers?: Record<string, string>) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await hit(path, headers));
    return out;
  };
  const upstream = (name: string, targets: Array<[string, number]>, extra: Record<string, unknown> = {}) => ({
    name,
    targets: targets.map(([u, weight]) => ({ url: ups[u]?.url ?? u, weight })),
    ...extra,
  });

  it('weighted round-robin spreads turns smoothly (5:1:1 → a a b a c a a)', async () => {
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(upstream('pool', [['a', 5], ['b', 1], ['c', 1]]), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    expect(await hits(7)).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('least-request avoids the target that is busy', async () => {
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(upstream('pool', [['a', 1], ['b', 1]], { balance: 'least-request' }), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    // Park one request on a (it holds the answer); every request after that goes to b.
    const parked = [fetch(`${gw.url}/p/slow`)];
    await waitFor(() => held.length === 1, 'a to hold the parked request');
    expect(await hits(4)).toEqual(['b', 'b', 'b', 'b']);
    held.splice(0).forEach((release) => release());
    await Promise.all(parked);
  });

  it.each([
    ['header', { source: 'header', name: 'x-user' }, (k: string) => ({ 'x-user': k })],
    ['cookie', { source: 'cookie', name: 'sid' }, (k: string) => ({ cookie: `theme=dark; sid=${k}` })],
  ])('consistent hash on a %s keeps a key on one target and spreads keys', async (_n, hashOn, headers) => {
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(upstream('pool', [['a', 1], ['b', 1], ['c', 1]], { balance: 'consistent-hash', hashOn }), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    const chosen = new Set<string>();
    for (let k = 0; k < 30; k++) {
      const seen = new Set(await hits(3, '/p/x', headers(`user-${k}`)));
      expect(seen.size).toBe(1);
      chosen.add([...seen][0]!);
    }
    expect(chosen.size).toBe(3);
  });

  it('consistent hash on the source IP sends one client to one target', async () => {
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(upstream('pool', [['a', 1], ['b', 1], ['c', 1]], { balance: 'consistent-hash', hashOn: { source: 'source-ip' } }), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    expect(new Set(await hits(10)).size).toBe(1);
  });

  describe('canary', () => {
    beforeAll(async () => {
      await resetConfig(gw);
      await configure(gw, (r) => {
        r.routes.create({ name: 'p', path: '/p', upstream: ups.a!.url, canary: { upstream: ups.canary!.url, header: 'x-canary', cookie: 'canary', weight: 0 } }, 'cli');
        r.routes.create({ name: 'v', path: '/v', upstream: ups.a!.url, canary: { upstream: ups.canary!.url, header: 'x-region', headerValue: 'eu', weight: 100 } }, 'cli');
        r.routes.create({ name: 'rx', path: '/rx', upstream: ups.a!.url, canary: { upstream: ups.canary!.url, header: 'x-ver', headerRegex: 'v2\\..*' } }, 'cli');
        r.routes.create({ name: 'w', path: '/w', upstream: ups.a!.url, canary: { upstream: ups.canary!.url, weight: 30 } }, 'cli');
      });
    });

    it.each([
      ['/p/x', {}, 'a'],
      ['/p/x', { 'x-canary': 'always' }, 'canary'],
      ['/p/x', { 'x-canary': 'never', cookie: 'canary=always' }, 'a'],
      ['/p/x', { 'x-canary': 'other', cookie: 'canary=always' }, 'canary'],
      ['/p/x', { cookie: 'canary=never' }, 'a'],
      ['/v/x', {}, 'canary'],
      ['/v/x', { 'x-region': 'eu' }, 'canary'],
      ['/rx/x', { 'x-ver': 'v2.1' }, 'canary'],
      ['/rx/x', { 'x-ver': 'v1.9' }, 'a'],
    ])('%s %j → %s', async (path, headers, expected) => {
      expect(await hit(path, headers as Record<string, string>)).toBe(expected);
    });

    it('a header match wins over the weight', async () => {
      expect(await hits(5, '/p/x', { 'x-canary': 'always' })).toEqual(Array(5).fill('canary'));
      // weight 100 but the header is "never" on a header-value route: the value rule ignores other values.
      expect(await hit('/v/x', { 'x-region': 'us' })).toBe('canary');
    });

    it('splits by weight (30%, 400 requests within 20–40%)', async () => {
      const share = (await hits(400, '/w/x')).filter((x) => x === 'canary').length / 400;
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.4);
    });
  });

  it('ejects a failing target after N consecutive failures, probes it half-open, then restores it', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(
        upstream('pool', [[dead, 1], ['b', 1]], { outlier: { consecutiveFailures: 2, baseEjectionMs: 300, maxEjectedPercent: 50 } }),
        'cli',
      );
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    // Round-robin alternates until the dead target has failed twice, then only b answers.
    const first = await hits(4);
    expect(first.filter((x) => x === '502:GW_ERR_UPSTREAM_CONNECT')).toHaveLength(2);
    expect(await hits(6)).toEqual(Array(6).fill('b'));
    // After the ejection time one probe goes to the dead target, fails, and it is ejected again.
    await new Promise((r) => setTimeout(r, 350));
    const probe = await hits(3);
    expect(probe.filter((x) => x.startsWith('502'))).toHaveLength(1);
    expect(await hits(4)).toEqual(Array(4).fill('b'));
  });

  it('caps the ejected share: with 50% cap, only one of two failing targets is ejected', async () => {
    const d1 = `http://127.0.0.1:${await closedPort()}`;
    const d2 = `http://127.0.0.1:${await closedPort()}`;
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(upstream('pool', [[d1, 1], [d2, 1]], { outlier: { consecutiveFailures: 1, baseEjectionMs: 60000, maxEjectedPercent: 50 } }), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    const codes = await hits(6);
    expect(codes.every((c) => c === '502:GW_ERR_UPSTREAM_CONNECT')).toBe(true);
  });

  it('all targets ejected → 503 UO; with a fallback upstream → the fallback answers', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(upstream('backup', [['backup', 1]]), 'cli');
      r.upstreams.create(upstream('solo', [[dead, 1]], { outlier: { consecutiveFailures: 1, baseEjectionMs: 60000 } }), 'cli');
      r.upstreams.create(upstream('solo-fb', [[dead, 1]], { outlier: { consecutiveFailures: 1, baseEjectionMs: 60000 }, fallback: ['backup'] }), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'solo' }, 'cli');
      r.routes.create({ name: 'q', path: '/q', upstream: 'solo-fb' }, 'cli');
    });
    expect(await hit('/p/x')).toBe('502:GW_ERR_UPSTREAM_CONNECT');
    expect(await hit('/p/x')).toBe('503:GW_ERR_NO_HEALTHY_UPSTREAM');
    expect(gw.logs.at(-1)).toMatchObject({ status: 503, flag: 'UO' });
    expect(await hit('/q/x')).toBe('502:GW_ERR_UPSTREAM_CONNECT');
    expect(await hits(3, '/q/x')).toEqual(['backup', 'backup', 'backup']);
  });

  it('active health checks take a target out and bring it back; state survives snapshot swaps', async () => {
    healthy = true;
    await resetConfig(gw);
    await configure(gw, (r) => {
      r.upstreams.create(
        upstream('pool', [['a', 1], ['b', 1]], { healthCheck: { path: '/healthz', intervalMs: 50, healthyThreshold: 1, unhealthyThreshold: 2 } }),
        'cli',
      );
      r.upstreams.create(upstream('hc-b', [['b', 1]]), 'cli');
      r.routes.create({ name: 'p', path: '/p', upstream: 'pool' }, 'cli');
    });
    expect(new Set(await hits(4))).toEqual(new Set(['a', 'b']));
    healthy = false;
    await waitFor(async () => (await hit()) === '503:GW_ERR_NO_HEALTHY_UPSTREAM', 'both targets to be marked unhealthy');
    // A reload that keeps the upstream keeps its (unhealthy) state.
    await configure(gw, (r) => r.routes.create({ name: 'other', path: '/other', upstream: 'hc-b' }, 'cli'));
    expect(await hit()).toBe('503:GW_ERR_NO_HEALTHY_UPSTREAM');
    healthy = true;
    await waitFor(async () => (await hit()) !== '503:GW_ERR_NO_HEALTHY_UPSTREAM', 'targets to come back');
  });
});
