import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure, rawRequest } from '../../helpers/proxy.js';

const big = 'a'.repeat(20 * 1024);

describe('the HTTP edge (raw sockets)', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { trustedProxies: ['10.0.0.0/8'] } });
    upstream = await startUpstream('u');
    await configure(gw, (r) => {
      r.routes.create({ name: 'api', path: '/api', upstream: upstream.url, maxBodyBytes: 1024, requestHeaders: { set: { 'x-api-key': 'gateway-key' } } }, 'cli');
      r.routes.create({ name: 'latest', path: '/latest', pathType: 'exact', upstream: upstream.url }, 'cli');
    });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  const h = (lines: string[]) => lines.join('\r\n') + '\r\n\r\n';
  it.each([
    ['CL and TE together', 400, h(['POST /api/x HTTP/1.1', 'Host: localhost', 'Content-Length: 5', 'Transfer-Encoding: chunked']) + '0\r\n\r\n'],
    ['two different Content-Length', 400, h(['POST /api/x HTTP/1.1', 'Host: localhost', 'Content-Length: 5', 'Content-Length: 6']) + 'hello'],
    ['Transfer-Encoding: xchunked', 400, h(['POST /api/x HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: xchunked']) + '0\r\n\r\n'],
    ['two Host headers', 400, h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Host: b'])],
    ['no Host on HTTP/1.1', 400, h(['GET /api/x HTTP/1.1'])],
    ['CR inside a header value', 400, 'GET /api/x HTTP/1.1\r\nHost: localhost\r\nX-Evil: a\rb\r\n\r\n'],
    ['NUL inside a header value', 400, h(['GET /api/x HTTP/1.1', 'Host: localhost', 'X-Evil: a\0b'])],
    ['bare LF line endings', 400, 'GET /api/x HTTP/1.1\nHost: a\n\n'],
    ['%00 in the path', 400, h(['GET /api/a%00b HTTP/1.1', 'Host: localhost'])],
    ['..; path parameter', 400, h(['GET /api/..;/admin HTTP/1.1', 'Host: localhost'])],
    ['a path that climbs above the root', 400, h(['GET /api/../../etc/passwd HTTP/1.1', 'Host: localhost'])],
    ['a 20 KiB header block', 431, h(['GET /api/x HTTP/1.1', 'Host: localhost', `X-Big: ${big}`])],
    ['a declared body over the route limit', 413, h(['POST /api/x HTTP/1.1', 'Host: localhost', 'Content-Length: 5000000'])],
    ['Expect: 100-continue with a huge body', 413, h(['POST /api/x HTTP/1.1', 'Host: localhost', 'Content-Length: 5000000', 'Expect: 100-continue'])],
  ])('%s → %i, connection closed, upstream saw nothing', async (_name, status, bytes) => {
    const res = await rawRequest(gw.url, bytes);
    expect(res.status).toBe(status);
    expect(res.closed).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  // Request-smuggling framing is refused at the listener, whichever protocol the path belongs to.
  it.each([
    ['two Host headers', ['Host: 127.0.0.1', 'Host: b']],
    ['Transfer-Encoding: xchunked', ['Host: 127.0.0.1', 'Transfer-Encoding: xchunked']],
  ])('%s → 400 on the MCP and LLM endpoints too', async (_name, headers) => {
    for (const path of ['/mcp/anything', '/v1/chat/completions']) {
      const body = headers.some((l) => l.startsWith('Transfer-Encoding')) ? '0\r\n\r\n' : '';
      const res = await rawRequest(gw.url, h([`POST ${path} HTTP/1.1`, ...headers, 'Content-Type: application/json']) + body);
      expect(res.status, path).toBe(400);
      expect(res.closed, path).toBe(true);
    }
  });

  it.each([
    ['/api/%2e%2e/admin', 404, ''],
    ['/api/%2E%2e/latest', 200, '/latest'],
    ['//evil.example/api/x', 404, ''],
    ['/api/./x//y', 200, '/api/x/y'],
    ['/api/x/../y', 200, '/api/y'],
  ])('%s cannot escape the route prefix (→ %i, upstream saw "%s")', async (path, status, seen) => {
    const res = await rawRequest(gw.url, h([`GET ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close']));
    expect(res.status).toBe(status);
    expect(upstream.requests.map((r) => r.url)).toEqual(seen ? [seen] : []);
  });

  it('an absolute-form target never steers the upstream: only its path is routed', async () => {
    const res = await rawRequest(gw.url, h(['GET http://169.254.169.254/latest HTTP/1.1', 'Host: localhost', 'Connection: close']));
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.url).toBe('/latest');
    expect(upstream.requests[0]!.headers.host).toBe(new URL(upstream.url).host);
  });

  it('a chunked body over the route limit → 413', async () => {
    const chunk = 'x'.repeat(600);
    const body = `${(600).toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n';
    const res = await rawRequest(gw.url, h(['POST /api/x HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: chunked']) + body);
    expect(res.status).toBe(413);
  });

  it('strips hop-by-hop headers, including those named in Connection, and injects its own key', async () => {
    const res = await rawRequest(
      gw.url,
      h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Connection: close, x-api-key, x-secret', 'X-Api-Key: client-key', 'X-Secret: s', 'Keep-Alive: timeout=5', 'TE: trailers', 'Proxy-Authorization: Basic eA==']),
    );
    expect(res.status).toBe(200);
    const seen = upstream.requests[0]!.headers;
    expect(seen['x-api-key']).toBe('gateway-key');
    for (const name of ['x-secret', 'keep-alive', 'te', 'proxy-authorization']) expect(seen[name]).toBeUndefined();
  });

  it('replaces X-Forwarded-For, X-Real-IP and Forwarded from an untrusted peer', async () => {
    await rawRequest(gw.url, h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Connection: close', 'X-Forwarded-For: 6.6.6.6', 'X-Real-IP: 6.6.6.6', 'Forwarded: for=6.6.6.6']));
    const seen = upstream.requests[0]!.headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-real-ip']).toBe('127.0.0.1');
    expect(seen.forwarded).toBeUndefined();
  });
});

describe('trusted proxies', () => {
  it('appends to X-Forwarded-For and takes the client from it when the peer is trusted', async () => {
    const gw = await startTestGateway({ gateway: { trustedProxies: ['127.0.0.1/32'] } });
    const upstream = await startUpstream('u');
    try {
      await configure(gw, (r) => r.routes.create({ name: 'api', path: '/api', upstream: upstream.url, ipDeny: ['6.6.6.0/24'] }, 'cli'));
      const ok = await fetch(`${gw.url}/api/x`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(ok.status).toBe(200);
      expect(upstream.requests[0]!.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
      expect(upstream.requests[0]!.headers['x-real-ip']).toBe('203.0.113.7');
      const denied = await fetch(`${gw.url}/api/x`, { headers: { 'x-forwarded-for': '6.6.6.6, 127.0.0.1' } });
      expect(denied.status).toBe(403);
      expect((await denied.json()).error.code).toBe('GW_ERR_IP_DENIED');
    } finally {
      await gw.stop();
      await upstream.close();
    }
  });
});
