import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { fixtureServer } from '../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../helpers/mcp.js';
import { configure, rawRequest } from '../../helpers/proxy.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** This machine's first non-loopback IPv4 address: a LAN address a rebinding name can resolve to. */
const lan = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } });

/** One request to `url` with an explicit Host header (what a browser sends for a rebound name). */
function send(url: string, path: string, host: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const req = request(`${url}${path}`, { method: init.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

// DNS rebinding: a page on evil.example whose name is re-pointed at the developer's LAN address makes the browser
// send `Host: evil.example` to the gateway. On a 0.0.0.0 listener reached through that LAN address, only names the
// gateway serves may pass, for proxied routes, WebSocket upgrades and MCP servers alike.
describe.skipIf(!lan)('Host check on a non-loopback listener', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let url: string;
  let port: string;

  beforeAll(async () => {
    const fixture = fixtureServer('fixture', { down: false, created: 0, cancelled: 0 });
    gw = await startTestGateway({ gateway: { host: '0.0.0.0', allowedHosts: ['gw.example.com', '*.corp.example'], hostedServers: new Map([['fixture', fixture]]) } });
    port = new URL(gw.url).port;
    url = `http://${lan}:${port}`;
    upstream = await startUpstream('u');
    await configure(gw, (r) => {
      r.routes.create({ name: 'api', path: '/api', upstream: upstream.url }, 'cli');
      r.routes.create({ name: 'shop', path: '/shop', host: 'shop.example.com', upstream: upstream.url }, 'cli');
    });
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it.each([
    ['a rebound name', 421, 'evil.example', '/api/x'],
    ['a rebound name with a port', 421, 'evil.example:8080', '/api/x'],
    ['the parent of an allowed wildcard', 421, 'corp.example', '/api/x'],
    ['a route host on a path of another route', 200, 'shop.example.com', '/api/x'],
    ['the LAN address it arrived on', 200, () => `${lan}:${port}`, '/api/x'],
    ['localhost', 200, 'localhost', '/api/x'],
    ['a *.localhost name', 200, 'app.localhost:3000', '/api/x'],
    ['127.0.0.1', 200, '127.0.0.1', '/api/x'],
    ["this machine's name", 200, () => hostname(), '/api/x'],
    ['an --allowed-hosts name', 200, 'GW.example.com', '/api/x'],
    ['an --allowed-hosts wildcard', 200, 'a.corp.example', '/api/x'],
    ['a route host', 200, 'shop.example.com', '/shop/x'],
  ])('%s → %i', async (_name, status, host, path) => {
    const res = await send(url, path, typeof host === 'function' ? host() : host);
    expect(res.status).toBe(status);
    if (status === 421) {
      expect(JSON.parse(res.body).error.code).toBe('GW_ERR_HOST_NOT_ALLOWED');
      expect(upstream.requests).toHaveLength(0);
    }
  });

  it('refuses a WebSocket upgrade for a rebound name before any upstream sees it', async () => {
    const res = await rawRequest(url, ['GET /api/ws HTTP/1.1', 'Host: evil.example', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
    expect(res.status).toBe(421);
    expect(res.closed).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a WebSocket upgrade under /mcp/ for a rebound name (no MCP chain sees upgrades)', async () => {
    const res = await rawRequest(url, ['GET /mcp/fx HTTP/1.1', 'Host: evil.example', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
    expect(res.status).toBe(421);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['a rebound name', 403, 'evil.example'],
    ['a route host (routes do not name MCP servers)', 403, 'shop.example.com'],
    ['the LAN address it arrived on', 200, ''],
  ])('an MCP initialize with %s → %i', async (_name, status, host) => {
    const res = await send(url, '/mcp/fx', host || `${lan}:${port}`, { method: 'POST', body: initialize });
    expect(res.status).toBe(status);
    if (status === 403) expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, data: { code: 'GW_ERR_MCP_ORIGIN_FORBIDDEN' } } });
  });

  it('checks the admin API listener too', async () => {
    const refused = await send(gw.adminUrl, '/routes', 'evil.example');
    // The admin API answers in its own error shape (see admin-hardening.test.ts for its configurable names).
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('GW_ERR_ADMIN_HOST_NOT_ALLOWED');
    const served = await send(gw.adminUrl, '/healthz', 'localhost');
    expect(served.status).toBe(200);
  });

  it('serves the official MCP client through the LAN address', async () => {
    const client = await connectMcp({ ...gw, url } as TestGateway, 'fx');
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});

describe('agate serve', () => {
  it('binds loopback by default and says how to expose it', async () => {
    const tmp = tempDir();
    const child = spawnCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0'], join(tmp.dir, 'agate.db'), { AGATE_ADMIN_TOKEN: `agt_test_${randomBytes(16).toString('base64url')}`, AGATE_LOG_LEVEL: 'warn' });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    try {
      await waitFor(() => stderr.includes('agate is running') && stderr.includes('Try:'), 'the banner', 15_000);
      expect(stderr).toMatch(/gateway +http:\/\/127\.0\.0\.1:\d+ +\(this machine only; --host 0\.0\.0\.0 exposes it\)/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      tmp.cleanup();
    }
  });
});

describe('agate serve front-door flags', () => {
  it.each([
    ['--headers-timeout', 'soon'],
    ['--body-timeout', '1.5'],
    ['--max-client-connections', 'many'],
  ])('%s %s is a usage error naming the flag', async (flag, value) => {
    const tmp = tempDir();
    try {
      const res = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', flag, value], join(tmp.dir, 'agate.db'));
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(`${flag}: must be an integer (got "${value}")`);
    } finally {
      tmp.cleanup();
    }
  });
});
