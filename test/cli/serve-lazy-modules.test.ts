import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { waitFor } from '../helpers/gateway.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Issue #20: an idle `agate serve` must not hold what only some gateways use (express and the admin app until the
 * first admin request, jose until the first OAuth token, ioredis without --redis). The child records every module
 * it loads through a Node loader hook (the same hook Node offers any program), so the test sees what the
 * process itself loaded, not what agate says about itself.
 */
const RECORD_LOADS = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.AGATE_TEST_LOADS, url + '\\\\n');
  return next(url, context);
}\`));
`;

/** Packages whose code the process has loaded, by name. */
function loadedPackages(file: string): Set<string> {
  const names = new Set<string>();
  for (const url of readFileSync(file, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]!);
  }
  return names;
}

describe('agate serve loads optional parts on first use', () => {
  const tmp = tempDir();
  const loads = join(tmp.dir, 'loads.txt');
  let serve: ServeProcess;
  let idp: TestOidcProvider;
  const admin = (path: string, init: RequestInit = {}, token = serve.adminToken) =>
    fetch(`${serve.adminUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    idp = await startOidcProvider();
    const hook = join(tmp.dir, 'record-loads.mjs');
    writeFileSync(hook, RECORD_LOADS);
    writeFileSync(loads, '');
    // An empty registry: the first start seeds the time, quark-search and amap-tools servers, as `npm start` does.
    serve = await spawnServe(join(tmp.dir, 'agate.db'), { env: { NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`, AGATE_TEST_LOADS: loads } });
  });
  afterAll(async () => {
    await serve?.stop();
    await idp?.close();
    tmp.cleanup();
  });

  it('idle after start and probed for health, it has loaded neither express, nor jose, nor ioredis', async () => {
    // The hook saw the start itself (the registry driver and the HTTP client the proxy needs are there).
    await waitFor(() => loadedPackages(loads).has('better-sqlite3') || undefined, 'the load record');
    // An orchestrator's probes, as every deployment sends them from the first second: answered without the admin app.
    const [health, ready, head] = await Promise.all([fetch(`${serve.adminUrl}/healthz`), fetch(`${serve.adminUrl}/readyz?probe=1`), fetch(`${serve.adminUrl}/healthz/`, { method: 'HEAD' })]);
    expect([health.status, ready.status, head.status]).toEqual([200, 200, 200]);
    expect(await health.json()).toEqual({ ok: true });
    expect(await ready.json()).toEqual({ ready: true });
    expect(await head.text()).toBe('');
    const loaded = loadedPackages(loads);
    expect(loaded).toContain('undici');
    for (const name of ['express', 'jose', 'ioredis']) expect(loaded, name).not.toContain(name);
  });

  it('its first MCP request and tool call work (the SDK client against the seeded time server)', async () => {
    const client = new Client({ name: 'first-user', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp/time`)));
    const result = await client.callTool({ name: 'get-current-time', arguments: { timeZone: 'Asia/Tokyo' } });
    expect(result.isError).toBeFalsy();
    // Tokyo keeps UTC+9 all year (no daylight saving).
    expect(JSON.stringify(result.content)).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+09:00/);
    await client.close();
  });

  it('its first admin requests, arriving together while express loads, are each answered as they always were', async () => {
    const server = { name: 'notes', backend: { kind: 'hosted', server: 'quark-search' }, auth: { type: 'oauth', issuer: idp.issuer, scopes: ['mcp:tools'] } };
    const [status, wrongToken, created, health] = await Promise.all([
      admin('/status'),
      admin('/status', {}, 'agt_not_the_token_0123456789'),
      admin('/mcp-servers', { method: 'POST', body: JSON.stringify(server) }),
      fetch(`${serve.adminUrl}/healthz`),
    ]);
    expect(status.status).toBe(200);
    expect(((await status.json()) as { pid: number }).pid).toBe(serve.child.pid);
    expect(wrongToken.status).toBe(401);
    expect(((await wrongToken.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_ADMIN_UNAUTHORIZED');
    // The body waited unread in the socket while the app loaded, and arrived whole.
    expect(created.status).toBe(201);
    expect(health.status).toBe(200);
    expect(loadedPackages(loads)).toContain('express');
  });

  it('its first OAuth tokens are verified (jose loads then), for two users at once, and a bad one is still refused', async () => {
    const resource = `${serve.url}/mcp/notes`;
    const now = Math.floor(Date.now() / 1000);
    const token = (sub: string, aud = resource) => idp.sign({ iss: idp.issuer, aud, sub, scope: 'mcp:tools', iat: now, exp: now + 300 });
    // The admin write reaches the data plane on the next reload.
    await waitFor(async () => ((await fetch(resource, { method: 'POST' })).status === 401 ? true : undefined), 'notes to be served');
    const initialize = async (bearer: string) => {
      const res = await fetch(resource, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
      });
      return { status: res.status, sessionId: res.headers.get('mcp-session-id'), text: await res.text() };
    };
    const [alice, bob, stranger] = await Promise.all([initialize(await token('alice')), initialize(await token('bob')), initialize(await token('mallory', 'https://elsewhere.example/mcp'))]);
    expect(alice.status, alice.text).toBe(200);
    expect(bob.status, bob.text).toBe(200);
    expect(alice.sessionId).toBeTruthy();
    expect(alice.sessionId).not.toBe(bob.sessionId);
    expect(stranger.status).toBe(401);
    expect(loadedPackages(loads)).toContain('jose');
    expect(loadedPackages(loads)).not.toContain('ioredis');
  });
});
