import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, launchBrowser } from '../helpers/browser.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { addMcpServer } from '../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../helpers/remote-mcp-upstream.js';

const skip = browserMissing();

/** A web app's origin: serves one empty page, from which the test runs the app's fetch calls in the browser. */
async function startAppOrigin(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * What a browser MCP client does over Streamable HTTP (initialize, read Mcp-Session-Id, list tools), run in the page:
 * the browser itself enforces CORS, so what the page can read is exactly what agate allowed it to.
 */
async function browserSession(page: Page, input: { url: string; key: string }): Promise<{ session: string | null; tools: string[] } | { failed: string }> {
  return page.evaluate(async ({ url, key }) => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${key}` };
    const rpc = async (body: unknown, extra: Record<string, string> = {}) => {
      const res = await fetch(url, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
      const text = await res.text();
      const data = res.headers.get('content-type')?.includes('event-stream') ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('') : text;
      return { res, json: data ? JSON.parse(data) : undefined };
    };
    try {
      const init = await rpc({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'web-app', version: '1' } } });
      const session = init.res.headers.get('mcp-session-id');
      const withSession = { 'mcp-session-id': session ?? '', 'mcp-protocol-version': '2025-11-25' };
      await rpc({ jsonrpc: '2.0', method: 'notifications/initialized' }, withSession);
      const list = await rpc({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, withSession);
      await fetch(url, { method: 'DELETE', headers: { authorization: headers.authorization, ...withSession } });
      return { session, tools: (list.json.result.tools as Array<{ name: string }>).map((t) => t.name) };
    } catch (err) {
      return { failed: String(err) };
    }
  }, input);
}

describe.skipIf(skip)('browser MCP clients on an allowed origin (CORS)', () => {
  let gw: TestGateway;
  let upstream: RemoteMcpUpstream;
  let allowed: Awaited<ReturnType<typeof startAppOrigin>>;
  let other: Awaited<ReturnType<typeof startAppOrigin>>;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    allowed = await startAppOrigin();
    other = await startAppOrigin();
    upstream = await startRemoteMcpUpstream();
    gw = await startTestGateway({ gateway: { mcp: { allowedOrigins: [allowed.origin] } } });
    gw.registry.consumers.store.create({ name: 'alice', groups: [] }, 'cli');
    key = gw.registry.consumers.issueKey('alice', 'cli').key;
    await addMcpServer(gw, { name: 'notes', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} }, access: { consumers: ['alice'] } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await upstream?.close();
    allowed?.server.close();
    other?.server.close();
  });

  it('lets a page on the allowed origin open a session with a bearer key, read its Mcp-Session-Id and list tools', async () => {
    const page = await browser.newPage();
    await page.goto(`${allowed.origin}/`);
    const outcome = await browserSession(page, { url: `${gw.url}/mcp/notes`, key });
    expect(outcome).toMatchObject({ session: expect.stringMatching(/.+/), tools: expect.arrayContaining(['echo']) });
    await page.close();
  });

  it('gives a page on any other origin nothing: the browser refuses, and the upstream never sees a call', async () => {
    const before = upstream.requests.length;
    const page = await browser.newPage();
    await page.goto(`${other.origin}/`);
    const outcome = await browserSession(page, { url: `${gw.url}/mcp/notes`, key });
    expect(outcome).toMatchObject({ failed: expect.stringContaining('Failed to fetch') });
    expect(upstream.requests.length).toBe(before);
    await page.close();
  });

  it('answers the preflight before any credential, and refuses one from another origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${gw.url}/mcp/notes`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-session-id' } });
    const ok = await preflight(allowed.origin);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed.origin);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight(other.origin)).status).toBe(403);
  });
});
