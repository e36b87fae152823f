// What one client can hold: sessions per client identity (consumer, else client IP) and in total, and a
// shorter idle expiry for anonymous sessions. Two clients at once: one at its cap never stops the other.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp, rawInitialize, rawPost } from '../../../../helpers/mcp.js';
import { hostedServers } from '../../../../../servers/index.js';
import { withClock } from '../../../../fixtures/clock-server.js';
import type { McpRouterOptions } from '../../../../../server/targets/mcp-router/index.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function gateway(mcp: McpRouterOptions): Promise<string> {
  gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers), trustedProxies: ['127.0.0.1'], mcp } });
  await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
  return `${gw.url}/mcp/time`;
}

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const LIST = { jsonrpc: '2.0', id: 9, method: 'tools/list' };

describe('MCP session caps', () => {
  it('caps sessions per anonymous client IP with 429 and a JSON-RPC error; another IP is unaffected', async () => {
    const url = await gateway({ maxSessionsPerClient: 3, maxSessions: 100 });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await rawInitialize(url, '2025-06-18', from('198.51.100.7')));
    expect(mine.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, from('198.51.100.7'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('mcp-session-id')).toBeNull();
    const body = await refused.json();
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32000, data: { code: 'GW_ERR_MCP_CLIENT_SESSION_LIMIT' } } });
    expect(body.error.message).toMatch(/3/);
    // The other client, at the same moment, opens a session and uses it with the SDK client.
    const other = await connectMcp(gw!, 'time', { headers: from('198.51.100.8') });
    expect((await other.listTools()).tools.map((t) => t.name)).toEqual(['get_current_time']);
    await other.close();
    // The capped client's existing sessions still work, and ending one frees a slot.
    expect((await rawPost(url, LIST, { ...from('198.51.100.7'), 'mcp-session-id': mine[0]!.sessionId })).status).toBe(200);
    await fetch(url, { method: 'DELETE', headers: { ...from('198.51.100.7'), 'mcp-session-id': mine[0]!.sessionId } });
    expect((await rawInitialize(url, '2025-06-18', from('198.51.100.7'))).status).toBe(200);
  });

  it('caps sessions per consumer, not per IP, for authenticated clients', async () => {
    const url = await gateway({ maxSessionsPerClient: 2, maxSessions: 100 });
    gw!.registry.consumers.store.create({ name: 'alice', groups: [] }, 'cli');
    gw!.registry.consumers.store.create({ name: 'bob', groups: [] }, 'cli');
    const alice = gw!.registry.consumers.issueKey('alice', 'cli').key;
    const bob = gw!.registry.consumers.issueKey('bob', 'cli').key;
    // The keys are served once the gateway has reloaded past these writes.
    const written = gw!.registry.version();
    await waitFor(() => (gw!.snapshots.current()?.version ?? -1) >= written, 'the snapshot with the keys');
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push((await rawInitialize(url, '2025-06-18', { 'x-api-key': alice, ...from(`203.0.113.${i + 1}`) })).status);
    expect(opened).toEqual([200, 200, 429]);
    expect((await rawInitialize(url, '2025-06-18', { 'x-api-key': bob, ...from('203.0.113.1') })).status).toBe(200);
  });

  it('caps sessions in total with 503', async () => {
    const url = await gateway({ maxSessionsPerClient: 10, maxSessions: 2 });
    expect((await rawInitialize(url, '2025-06-18', from('198.51.100.1'))).status).toBe(200);
    expect((await rawInitialize(url, '2025-06-18', from('198.51.100.2'))).status).toBe(200);
    const res = await rawPost(url, { jsonrpc: '2.0', id: 'x', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, from('198.51.100.3'));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ id: 'x', error: { data: { code: 'GW_ERR_MCP_SESSION_LIMIT' } } });
  });

  it('counts legacy HTTP+SSE sessions against the same cap', async () => {
    await gateway({ maxSessionsPerClient: 1, maxSessions: 100 });
    const first = await connectMcp(gw!, 'time', { transport: 'sse', headers: from('198.51.100.9') });
    const second = await fetch(`${gw!.url}/mcp/time/sse`, { headers: { accept: 'text/event-stream', ...from('198.51.100.9') } });
    expect(second.status).toBe(429);
    await second.body?.cancel();
    await first.close();
  });

  it('expires anonymous sessions after the shorter anonymous idle time, consumer sessions after the long one', async () => {
    const url = await gateway({ idleTimeoutMs: 60_000, anonymousIdleTimeoutMs: 200 });
    gw!.registry.consumers.store.create({ name: 'carol', groups: [] }, 'cli');
    const carol = gw!.registry.consumers.issueKey('carol', 'cli').key;
    const anon = await rawInitialize(url, '2025-06-18', from('198.51.100.5'));
    const known = await rawInitialize(url, '2025-06-18', { 'x-api-key': carol });
    expect([anon.status, known.status]).toEqual([200, 200]);
    // Watch the log, not the session: a request would keep it alive.
    await waitFor(() => gw!.logs.some((l) => l.session === anon.sessionId && l.reason === 'expired'), 'anonymous session to expire', 5000);
    expect((await rawPost(url, LIST, { ...from('198.51.100.5'), 'mcp-session-id': anon.sessionId })).status).toBe(404);
    expect((await rawPost(url, LIST, { 'x-api-key': carol, 'mcp-session-id': known.sessionId })).status).toBe(200);
  });
});
