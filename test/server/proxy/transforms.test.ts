import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure, startChaos, type ChaosServer } from '../../helpers/proxy.js';

describe('rewrites, header edits, redirects, direct responses, CORS, IP lists, WebSocket', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let ws: ChaosServer;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('u', (req, res) => {
      res.writeHead(200, { 'x-upstream': 'u', server: 'secret-version', 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, host: req.headers.host, tag: req.headers['x-tag'], env: req.headers['x-env'], cookie: req.headers['x-drop'] }));
    });
    // A minimal WebSocket-ish upstream: answers 101 and then echoes bytes back.
    ws = await startChaos((s) => {
      let head = '';
      const onData = (c: Buffer) => {
        head += c.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        s.off('data', onData);
        const path = head.split(' ')[1];
        s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${path}\r\n\r\n`);
        const rest = head.slice(end + 4);
        if (rest) s.write(rest);
        s.pipe(s);
      };
      s.on('data', onData);
    });
    const closedUrl = await closedOrigin();
    await configure(gw, (r) => {
      const u = upstream.url;
      r.routes.create({ name: 'strip', path: '/strip', upstream: u, stripPrefix: true }, 'cli');
      r.routes.create({ name: 'prefix', path: '/old/', upstream: u, rewrite: { prefix: '/new/' } }, 'cli');
      r.routes.create({ name: 'regex', path: '/users/[0-9]+/posts$', pathType: 'regex', upstream: u, rewrite: { regex: '^/users/([0-9]+)/posts$', replacement: '/posts?user=$1' } }, 'cli');
      r.routes.create({ name: 'host', path: '/host', upstream: u, rewrite: { host: 'internal.example' } }, 'cli');
      r.routes.create(
        {
          name: 'headers',
          path: '/headers',
          upstream: u,
          requestHeaders: { set: { 'x-env': 'prod' }, add: { 'x-tag': 'gw' }, remove: ['x-drop'] },
          responseHeaders: { remove: ['server'], set: { 'x-frame-options': 'DENY' }, add: { 'x-upstream': 'second' } },
        },
        'cli',
      );
      r.routes.create({ name: 'moved', path: '/moved', redirect: { location: 'https://new.example/v2', status: 301, keepPath: true } }, 'cli');
      r.routes.create({ name: 'plain-redirect', path: '/go', pathType: 'exact', redirect: { location: '/elsewhere' } }, 'cli');
      r.routes.create({ name: 'mock', path: '/mock', directResponse: { status: 418, body: '{"teapot":true}', contentType: 'application/json' } }, 'cli');
      r.routes.create(
        { name: 'cors', path: '/cors', upstream: u, cors: { allowOrigins: ['https://app.example.com', 'https://*.trusted.dev'], allowHeaders: ['x-custom'], exposeHeaders: ['x-upstream'], allowCredentials: true, maxAgeSeconds: 60 } },
        'cli',
      );
      // Headers a filter adds must reach every kind of answer, not only a relayed one.
      const both = { cors: { allowOrigins: ['https://app.example.com'] }, rateLimit: { requests: 1000, per: 'second' as const, by: 'route' as const } };
      r.routes.create({ name: 'filtered', path: '/filtered', upstream: u, ...both }, 'cli');
      r.routes.create({ name: 'filtered-down', path: '/filtered-down', upstream: closedUrl, ...both }, 'cli');
      r.routes.create({ name: 'filtered-mock', path: '/filtered-mock', directResponse: { status: 200, body: 'ok' }, ...both }, 'cli');
      r.routes.create({ name: 'filtered-key', path: '/filtered-key', upstream: u, auth: { methods: ['key'] }, ...both }, 'cli');
      r.routes.create({ name: 'allow', path: '/allow', upstream: u, ipAllow: ['10.0.0.0/8'] }, 'cli');
      r.routes.create({ name: 'loopback', path: '/loopback', upstream: u, ipAllow: ['127.0.0.0/8'], ipDeny: ['127.0.0.2'] }, 'cli');
      r.routes.create({ name: 'deny', path: '/deny', upstream: u, ipDeny: ['127.0.0.1'] }, 'cli');
      r.routes.create({ name: 'ws', path: '/ws', upstream: ws.url, stripPrefix: true }, 'cli');
      r.routes.create({ name: 'ws-locked', path: '/wsl', upstream: ws.url, ipDeny: ['127.0.0.1'] }, 'cli');
    });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
    await ws.close();
  });

  it.each([
    ['/strip/a/b?q=1', '/a/b?q=1'],
    ['/strip', '/'],
    ['/old/a/b', '/new/a/b'],
    ['/users/42/posts', '/posts?user=42'],
  ])('rewrites %s → %s', async (path, expected) => {
    const res = await fetch(gw.url + path);
    expect(res.status).toBe(200);
    expect((await res.json()).url).toBe(expected);
  });

  it('rewrites the Host header', async () => {
    expect((await (await fetch(`${gw.url}/host`)).json()).host).toBe('internal.example');
  });

  it('edits request and response headers', async () => {
    const res = await fetch(`${gw.url}/headers`, { headers: { 'x-env': 'dev', 'x-tag': 'client', 'x-drop': 'x' } });
    const body = await res.json();
    expect(body).toMatchObject({ env: 'prod', tag: 'client, gw' });
    expect(body.cookie).toBeUndefined();
    expect(res.headers.get('server')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-upstream')).toBe('u, second');
  });

  it.each([
    ['/moved/a/b?x=1', 301, 'https://new.example/v2/a/b?x=1'],
    ['/go', 302, '/elsewhere'],
  ])('redirects %s → %i %s', async (path, status, location) => {
    const seen = upstream.requests.length;
    const res = await fetch(gw.url + path, { redirect: 'manual' });
    expect(res.status).toBe(status);
    expect(res.headers.get('location')).toBe(location);
    expect(upstream.requests.length).toBe(seen);
  });

  it('answers directly', async () => {
    const res = await fetch(`${gw.url}/mock/anything`);
    expect(res.status).toBe(418);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ teapot: true });
  });

  it.each([
    ['https://app.example.com', 204, 'https://app.example.com'],
    ['https://a.b.trusted.dev', 204, 'https://a.b.trusted.dev'],
    ['https://trusted.dev.evil.com', 403, null],
    ['https://evil.example', 403, null],
  ])('answers a CORS preflight from %s with %i', async (origin, status, allowed) => {
    const seen = upstream.requests.length;
    const res = await fetch(`${gw.url}/cors/x`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT' } });
    expect(res.status).toBe(status);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    if (status === 204) {
      expect(res.headers.get('access-control-allow-headers')).toBe('x-custom');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-max-age')).toBe('60');
    }
    expect(upstream.requests.length).toBe(seen);
  });

  it('adds CORS headers to actual responses', async () => {
    const res = await fetch(`${gw.url}/cors/x`, { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-expose-headers')).toBe('x-upstream');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it.each([
    ['/filtered/x', 200, true],
    ['/filtered-down/x', 502, true],
    ['/filtered-mock', 200, true],
    // auth refuses before the rate limit runs: CORS (before auth) is on the 401, RateLimit-* is not.
    ['/filtered-key/x', 401, false],
  ])('puts the filters\' headers (CORS, RateLimit-*) on %s → %i', async (path, status, limited) => {
    const res = await fetch(gw.url + path, { headers: { origin: 'https://app.example.com' } });
    expect(res.status).toBe(status);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('vary')).toBe('Origin');
    expect(res.headers.get('ratelimit-limit')).toBe(limited ? '1000' : null);
    expect(res.headers.get('ratelimit-policy')).toBe(limited ? '1000;w=1' : null);
  });

  it.each([
    ['/allow', 403],
    ['/loopback', 200],
    ['/deny', 403],
  ])('IP lists: %s → %i', async (path, status) => {
    const res = await fetch(gw.url + path);
    expect(res.status).toBe(status);
    if (status === 403) {
      expect((await res.json()).error.code).toBe('GW_ERR_IP_DENIED');
      expect(gw.logs.at(-1)).toMatchObject({ flag: 'RBAC' });
    }
  });

  function upgrade(path: string): Promise<string> {
    const { port } = new URL(gw.url);
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1');
      let got = '';
      s.on('data', (c) => {
        got += c.toString('latin1');
        if (got.includes('\r\n\r\n') && !got.includes('101')) return s.end();
        if (got.includes('ping-pong')) s.end();
      });
      s.on('close', () => resolve(got));
      s.on('error', reject);
      s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nping-pong`);
    });
  }

  it('passes WebSocket upgrades through (both directions)', async () => {
    const got = await upgrade('/ws/chat');
    expect(got).toMatch(/^HTTP\/1\.1 101/);
    expect(got).toContain('X-Path: /chat');
    expect(got).toContain('ping-pong');
  });

  it('applies route filters to upgrades', async () => {
    const got = await upgrade('/wsl/chat');
    expect(got).toMatch(/^HTTP\/1\.1 403/);
    expect(got).toContain('GW_ERR_IP_DENIED');
  });
});

/** An http:// origin on 127.0.0.1 where nothing listens (a port that was just free). */
async function closedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
