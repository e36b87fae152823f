import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { fixtureServer } from '../../helpers/mcp-fixture-server.js';
import { addMcpServer } from '../../helpers/mcp.js';
import { configure, rawRequest, startChaos, type ChaosServer } from '../../helpers/proxy.js';

const h = (lines: string[]) => lines.join('\r\n') + '\r\n\r\n';
const TEN_GB = String(10 * 1024 ** 3);

// Requests and answers the front door must not pass on as they are, each sent on a raw socket.
describe('the HTTP front door', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let weird: ChaosServer;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]) } });
    upstream = await startUpstream('u');
    // Answers every request with a status outside 100-599 (RFC 9110 §15: three digits, 1xx-5xx).
    weird = await startChaos((s) => s.once('data', () => s.write('HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nok')));
    await configure(gw, (r) => {
      r.routes.create({ name: 'api', path: '/api', upstream: upstream.url }, 'cli');
      r.routes.create({ name: 'weird', path: '/weird', upstream: weird.url }, 'cli');
    });
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await weird?.close();
  });

  it.each([['HTTP/2.0', 505]])('a %s request line on an HTTP/1 connection → %i, not forwarded', async (version, status) => {
    const res = await rawRequest(gw.url, h([`GET /api/x ${version}`, 'Host: localhost']));
    expect(res.status).toBe(status);
    expect(res.raw).toContain('GW_ERR_HTTP_VERSION');
    expect(res.closed).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('drops header names with an underscore (nginx underscores_in_headers off), whatever they spell', async () => {
    const res = await rawRequest(gw.url, h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Connection: close', 'X_Forwarded_For: 6.6.6.6', 'X_Real_IP: 6.6.6.6', 'X_Custom: v', 'X-Kept: yes']));
    expect(res.status).toBe(200);
    const seen = upstream.requests[0]!.headers;
    expect(Object.keys(seen).filter((k) => k.includes('_'))).toEqual([]);
    expect(seen['x-kept']).toBe('yes');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
  });

  it("replaces or drops the client's own forwarding and path-override headers", async () => {
    const res = await rawRequest(
      gw.url,
      h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Connection: close', 'X-Forwarded-Port: 1', 'X-Forwarded-Prefix: /admin', 'X-Original-URL: /admin', 'X-Rewrite-URL: /admin', 'X-Envoy-Original-Path: /admin']),
    );
    expect(res.status).toBe(200);
    const seen = upstream.requests[0]!.headers;
    expect(seen['x-forwarded-port']).toBe(new URL(gw.url).port);
    for (const name of ['x-forwarded-prefix', 'x-original-url', 'x-rewrite-url', 'x-envoy-original-path']) expect(seen[name], name).toBeUndefined();
  });

  it('answers 502 for an upstream status outside 100-599', async () => {
    const res = await rawRequest(gw.url, h(['GET /weird/x HTTP/1.1', 'Host: localhost', 'Connection: close']));
    expect(res.status).toBe(502);
    expect(res.raw).toContain('GW_ERR_UPSTREAM_PROTOCOL');
  });

  it.each([201, 2000])('refuses %i headers with 431 instead of forwarding a silently cut list', async (count) => {
    const many = Array.from({ length: count - 1 }, (_, i) => `X-H${i}: v`);
    const res = await rawRequest(gw.url, h(['GET /api/x HTTP/1.1', 'Host: localhost', ...many]));
    expect(res.status).toBe(431);
    expect(res.raw).toContain('GW_ERR_TOO_MANY_HEADERS');
    expect(res.closed).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('forwards every header of a block at the limit (200 with Host and Connection)', async () => {
    const many = Array.from({ length: 198 }, (_, i) => `X-H${i}: v${i}`);
    const res = await rawRequest(gw.url, h(['GET /api/x HTTP/1.1', 'Host: localhost', 'Connection: close', ...many]));
    expect(res.status).toBe(200);
    expect(Object.keys(upstream.requests[0]!.headers).filter((k) => k.startsWith('x-h'))).toHaveLength(198);
  });

  const mcpHead = (extra: string[]) =>
    h(['POST /mcp/fx HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', 'Accept: application/json, text/event-stream', `Content-Length: ${TEN_GB}`, ...extra]);
  const llmHead = (extra: string[]) => h(['POST /v1/chat/completions HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${TEN_GB}`, ...extra]);
  it.each([
    ['MCP, Expect: 100-continue', () => mcpHead(['Expect: 100-continue'])],
    ['MCP, body already coming', () => mcpHead([]) + '{"jsonrpc":"2.0",'.repeat(100)],
    ['LLM, Expect: 100-continue', () => llmHead(['Expect: 100-continue'])],
    ['LLM, body already coming', () => llmHead([]) + '{"model":"x",'.repeat(100)],
  ])('a 10 GB declaration (%s) → 413 before reading, no 100 Continue, connection closed', async (_name, bytes) => {
    const res = await rawRequest(gw.url, bytes(), 3000);
    expect(res.status).toBe(413);
    expect(res.raw).not.toContain('100 Continue');
    expect(res.raw).toMatch(/\r\nConnection: close\r\n/i);
    expect(res.closed).toBe(true);
  });

  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } });
  it.each([
    ['a proxied route', '/api/upload', [], 'hello'],
    ['an MCP endpoint', '/mcp/fx', ['Content-Type: application/json', 'Accept: application/json, text/event-stream'], initialize],
  ])('Expect: 100-continue within the limit on %s: 100 Continue, then the body, then the answer', async (_name, path, extra, body) => {
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
    let raw = '';
    socket.on('data', (c) => (raw += c.toString('latin1')));
    socket.write(h([`POST ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close', 'Expect: 100-continue', `Content-Length: ${Buffer.byteLength(body)}`, ...extra]));
    try {
      // RFC 9110 §10.1.1: the client waits for the 100 before sending the body.
      await waitFor(() => raw.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 'the 100 Continue');
      socket.write(body);
      await waitFor(() => /HTTP\/1\.1 200 /.test(raw), 'the final answer');
    } finally {
      socket.destroy();
    }
    if (path.startsWith('/api')) expect(upstream.requests.at(-1)?.body).toBe(body);
  });
});
