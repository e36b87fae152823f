import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure } from '../../helpers/proxy.js';

// Each route sends to its own upstream named after the route, so the answer says which route matched.
const ROUTES = [
  { name: 'api-prefix', path: '/api' },
  { name: 'api-long-prefix', path: '/api/v2' },
  { name: 'api-exact', path: '/api/health', pathType: 'exact' },
  { name: 'items-regex', path: '/items/[0-9]+$', pathType: 'regex' },
  { name: 'host-exact', path: '/', host: 'shop.example.com' },
  { name: 'host-wild', path: '/', host: '*.example.com' },
  { name: 'post-only', path: '/forms', methods: ['POST'] },
  { name: 'forms-any', path: '/forms' },
  { name: 'premium', path: '/svc', headers: [{ name: 'x-user-type', exact: 'premium' }] },
  { name: 'beta-re', path: '/svc', headers: [{ name: 'x-client', regex: 'beta-[a-z]+' }] },
  { name: 'no-debug', path: '/svc', headers: [{ name: 'x-debug', present: false }] },
  { name: 'svc-debug', path: '/svc', headers: [{ name: 'x-debug', present: true }], priority: -1 },
  { name: 'q-v2', path: '/q', query: [{ name: 'version', exact: '2' }] },
  { name: 'q-any', path: '/q' },
  { name: 'prio-low', path: '/prio/deep/path' },
  { name: 'prio-high', path: '/prio', priority: 10 },
  { name: 'tie-b', path: '/tie', headers: [{ name: 'x-a', present: true }] },
  { name: 'tie-a', path: '/tie', headers: [{ name: 'x-b', present: true }] },
];

describe('HTTP route matching', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('u', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(req.headers['x-route']));
    });
    await configure(gw, (r) => {
      for (const route of ROUTES) r.routes.create({ ...route, upstream: upstream.url, requestHeaders: { set: { 'x-route': route.name } } }, 'cli');
    });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  it.each([
    ['GET', '/api/x', {}, 'api-prefix'],
    ['GET', '/api', {}, 'api-prefix'],
    ['GET', '/api/v2/x', {}, 'api-long-prefix'],
    ['GET', '/api/health', {}, 'api-exact'],
    ['GET', '/api/health/x', {}, 'api-prefix'],
    ['GET', '/items/42', {}, 'items-regex'],
    ['GET', '/anything', { host: 'shop.example.com' }, 'host-exact'],
    ['GET', '/anything', { host: 'shop.example.com:8080' }, 'host-exact'],
    ['GET', '/anything', { host: 'eu.example.com' }, 'host-wild'],
    ['POST', '/forms', {}, 'post-only'],
    ['GET', '/forms', {}, 'forms-any'],
    ['GET', '/svc', { 'x-user-type': 'premium', 'x-debug': '1' }, 'premium'],
    ['GET', '/svc', { 'x-client': 'beta-ios', 'x-debug': '1' }, 'beta-re'],
    ['GET', '/svc', { 'x-client': 'xbeta-ios', 'x-debug': '1' }, 'svc-debug'],
    ['GET', '/svc', { 'x-user-type': 'basic' }, 'no-debug'],
    ['GET', '/q?version=2', {}, 'q-v2'],
    ['GET', '/q?version=3', {}, 'q-any'],
    ['GET', '/prio/deep/path', {}, 'prio-high'],
    ['GET', '/tie', { 'x-a': '1', 'x-b': '1' }, 'tie-a'],
  ])('%s %s %j → %s', async (method, path, headers, expected) => {
    // undici's request (unlike fetch) sends a Host header we choose.
    const res = await request(gw.url + path, { method: method as 'GET', headers });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe(expected);
  });

  it.each([
    ['GET', '/nothing', {}],
    ['GET', '/apix', {}],
    ['GET', '/items/4x', {}],
    ['GET', '/anything', { host: 'other.localhost' }],
  ])('%s %s %j → 404 NR', async (method, path, headers) => {
    const res = await request(gw.url + path, { method: method as 'GET', headers });
    expect(res.statusCode).toBe(404);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_NO_ROUTE');
    expect(gw.logs.at(-1)).toMatchObject({ flag: 'NR', status: 404 });
  });

  // A name no route's host matches (nor the wildcard's bare parent) is not one the gateway serves: the listener
  // refuses it before routing (DNS-rebinding defence), so it is a 421, not a 404.
  it('GET /anything with a Host no route serves → 421', async () => {
    const res = await request(gw.url + '/anything', { headers: { host: 'example.com' } });
    expect(res.statusCode).toBe(421);
    expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_HOST_NOT_ALLOWED');
  });
});
