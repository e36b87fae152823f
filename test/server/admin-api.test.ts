import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

describe('admin API', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('admin-upstream');
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  const call = (method: string, path: string, options: { body?: unknown; raw?: string; token?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? gw.adminToken.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.raw !== undefined || options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.raw ?? JSON.stringify(options.body);
    }
    return fetch(gw.adminUrl + path, { method, headers, body });
  };

  describe('authentication', () => {
    it('listens on 127.0.0.1 by default', () => {
      expect(new URL(gw.adminUrl).hostname).toBe('127.0.0.1');
      expect(gw.adminToken.token).toMatch(/^agt_/);
    });

    it.each(['/healthz', '/readyz'])('%s is open', async (path) => {
      const res = await call('GET', path, { token: null });
      expect(res.status).toBe(200);
    });

    const protectedPaths: Array<[string, string]> = [
      ['GET', '/routes'],
      ['POST', '/routes'],
      ['GET', '/upstreams'],
      ['DELETE', '/routes/x'],
      ['GET', '/status'],
      ['GET', '/metrics'],
      ['GET', '/audit'],
      ['GET', '/no-such-endpoint'],
    ];
    it.each(protectedPaths)('%s %s without a token → 401', async (method, path) => {
      const res = await call(method, path, { token: null, body: method === 'POST' ? { name: 'x' } : undefined });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect((await res.json()).error.code).toBe('GW_ERR_ADMIN_UNAUTHORIZED');
    });

    it.each<[string, (token: string) => string]>([
      ['a wrong token', () => 'Bearer agt_wrong'],
      ['the token with its last character changed', (t) => `Bearer ${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`],
      ['the token with a suffix', (t) => `Bearer ${t}x`],
      ['the right token with the Basic scheme', (t) => `Basic ${t}`],
      ['an empty bearer', () => 'Bearer '],
    ])('%s → 401', async (_what, header) => {
      const res = await fetch(`${gw.adminUrl}/routes`, { headers: { authorization: header(gw.adminToken.token) } });
      expect(res.status).toBe(401);
    });

    it('the right token → 200', async () => {
      expect((await call('GET', '/routes')).status).toBe(200);
    });
  });

  describe('routes and upstreams CRUD', () => {
    it('creates an upstream and a route, and the gateway serves them', async () => {
      const u = await call('POST', '/upstreams', { body: { name: 'pool', targets: [{ url: upstream.url }] } });
      expect(u.status).toBe(201);
      expect(await u.json()).toEqual({ name: 'pool', targets: [{ url: upstream.url, weight: 1 }], balance: 'round-robin' });

      const r = await call('POST', '/routes', { body: { name: 'shop', path: '/shop', upstream: 'pool' } });
      expect(r.status).toBe(201);
      expect(await r.json()).toMatchObject({ name: 'shop', path: '/shop', upstream: 'pool', pathType: 'prefix', enabled: true });

      const served = await waitFor(async () => {
        const res = await fetch(`${gw.url}/shop/cart`);
        return res.status === 200 ? res : undefined;
      }, 'the new route');
      expect(await served.json()).toMatchObject({ upstream: 'admin-upstream', url: '/shop/cart' });
    });

    it('lists and gets', async () => {
      const list = await call('GET', '/routes');
      expect(list.status).toBe(200);
      expect((await list.json()).items.map((r: { name: string }) => r.name)).toContain('shop');
      const one = await call('GET', '/routes/shop');
      expect(one.status).toBe(200);
      expect(await one.json()).toMatchObject({ name: 'shop', path: '/shop' });
      const ups = await call('GET', '/upstreams/pool');
      expect(ups.status).toBe(200);
      expect((await ups.json()).targets).toEqual([{ url: upstream.url, weight: 1 }]);
    });

    it('replaces a route with PUT, and the gateway follows', async () => {
      const res = await call('PUT', '/routes/shop', { body: { path: '/store', upstream: 'pool', stripPrefix: true } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ name: 'shop', path: '/store', stripPrefix: true });
      const served = await waitFor(async () => {
        const r = await fetch(`${gw.url}/store/cart`);
        return r.status === 200 ? r : undefined;
      }, 'the updated route');
      expect(await served.json()).toMatchObject({ url: '/cart' });
      expect((await fetch(`${gw.url}/shop/cart`)).status).toBe(404);
    });

    it.each<[string, string, string, unknown, number, string, string]>([
      ['POST', '/routes', 'a path without "/"', { name: 'bad', path: 'x', upstream: 'pool' }, 400, 'GW_ERR_ADMIN_INVALID', 'route.path: must start with "/"'],
      ['POST', '/routes', 'an unknown field', { name: 'bad', path: '/x', upstream: 'pool', colour: 1 }, 400, 'GW_ERR_ADMIN_INVALID', 'route.colour: is not allowed'],
      ['POST', '/routes', 'an unknown upstream', { name: 'bad', path: '/x', upstream: 'ghost' }, 400, 'GW_ERR_ADMIN_INVALID', 'route.upstream: no upstream named "ghost"'],
      ['POST', '/upstreams', 'a bad target URL', { name: 'bad', targets: [{ url: 'nope' }] }, 400, 'GW_ERR_ADMIN_INVALID', 'upstream.targets[0].url: must be an http:// or https:// URL'],
      ['POST', '/routes', 'a name clash', { name: 'shop', path: '/x', upstream: 'pool' }, 409, 'GW_ERR_ADMIN_CONFLICT', 'route "shop" already exists'],
      ['POST', '/upstreams', 'an upstream name clash', { name: 'pool', targets: [{ url: 'http://127.0.0.1:9' }] }, 409, 'GW_ERR_ADMIN_CONFLICT', 'upstream "pool" already exists'],
      ['PUT', '/routes/missing', 'a missing route', { path: '/x', upstream: 'pool' }, 404, 'GW_ERR_ADMIN_NOT_FOUND', 'route "missing" not found'],
      ['PUT', '/routes/shop', 'a body naming another route', { name: 'other', path: '/x', upstream: 'pool' }, 400, 'GW_ERR_ADMIN_INVALID', 'route.name: must match the URL ("shop")'],
      ['DELETE', '/upstreams/pool', 'an upstream still in use', undefined, 409, 'GW_ERR_ADMIN_CONFLICT', 'upstream "pool" is still in use'],
      ['DELETE', '/routes/missing', 'a missing route', undefined, 404, 'GW_ERR_ADMIN_NOT_FOUND', 'route "missing" not found'],
    ])('%s %s with %s → %i', async (method, path, _what, body, status, code, problem) => {
      const before = (await (await call('GET', '/audit')).json()).items[0]?.id;
      const res = await call(method, path, { body });
      expect(res.status).toBe(status);
      const json = await res.json();
      expect(json.error.code).toBe(code);
      expect(json.error.problems).toEqual(expect.arrayContaining([expect.stringContaining(problem)]));
      expect((await (await call('GET', '/audit')).json()).items[0]?.id).toBe(before);
    });

    it.each(['/routes/nope', '/upstreams/nope'])('GET %s → 404', async (path) => {
      const res = await call('GET', path);
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('GW_ERR_ADMIN_NOT_FOUND');
    });

    it.each([
      ['truncated JSON', '{"name": "x", '],
      ['not JSON at all', 'name=x'],
    ])('a body that is %s → 400 saying so', async (_what, raw) => {
      const res = await call('POST', '/routes', { raw });
      expect(res.status).toBe(400);
      const json = await res.json();
      expect(json.error.code).toBe('GW_ERR_BAD_REQUEST');
      expect(json.error.message).toMatch(/^Bad request: body is not valid JSON/);
    });

    it('deletes the route (204), then the upstream, and the gateway stops serving it', async () => {
      const del = await call('DELETE', '/routes/shop');
      expect(del.status).toBe(204);
      expect(await del.text()).toBe('');
      expect((await call('GET', '/routes/shop')).status).toBe(404);
      expect((await call('DELETE', '/upstreams/pool')).status).toBe(204);
      const gone = await waitFor(async () => {
        const r = await fetch(`${gw.url}/store/cart`);
        return r.status === 404 ? r : undefined;
      }, 'the route to go');
      expect((await gone.json()).error.code).toBe('GW_ERR_NO_ROUTE');
    });
  });

  describe('status and metrics', () => {
    it('/status reports the snapshot and listeners', async () => {
      // The previous test's last write may still be on its way into a snapshot: wait for the gateway to catch up.
      const s = await waitFor(async () => {
        const res = await call('GET', '/status');
        expect(res.status).toBe(200);
        const body = await res.json();
        return body.snapshotVersion === gw.registry.version() ? body : undefined;
      }, 'the snapshot to reach the registry version');
      expect(s).toMatchObject({ pid: process.pid, snapshotVersion: gw.registry.version(), lastReloadError: null });
      expect(s.listeners).toEqual([
        { name: 'gateway', url: gw.url },
        { name: 'admin', url: gw.adminUrl },
      ]);
    });

    it('/metrics exposes request and reload counters', async () => {
      await fetch(`${gw.url}/nothing-here`);
      const res = await call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(/^agate_http_requests_total\{[^}]*status="404"[^}]*flag="NR"[^}]*\} [1-9]\d*$/m);
      expect(text).toMatch(/^agate_http_requests_total\{[^}]*route="shop"[^}]*status="200"[^}]*\} [1-9]\d*$/m);
      expect(text).toMatch(/^agate_config_reloads_total\{result="ok"\} [1-9]\d*$/m);
    });
  });
});
