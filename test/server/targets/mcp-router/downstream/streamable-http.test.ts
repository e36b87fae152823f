import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp, parseSse, rawInitialize, rawPost, rpcMessages } from '../../../../helpers/mcp.js';
import { hostedServers } from '../../../../../servers/index.js';
import { withClock } from '../../../../fixtures/clock-server.js';

describe('MCP Streamable HTTP sessions', () => {
  let gw: TestGateway;
  let url: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers), mcp: { idleTimeoutMs: 400, keepAliveMs: 40 } } });
    await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
    url = `${gw.url}/mcp/time`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it.each([
    ['2025-11-25', '2025-11-25'],
    ['2025-06-18', '2025-06-18'],
    ['2025-03-26', '2025-03-26'],
    ['2024-11-05', '2024-11-05'],
    ['2024-10-07', '2025-11-25'],
    ['1999-01-01', '2025-11-25'],
  ])('negotiates protocol version %s as %s and issues a random session id', async (asked, answered) => {
    const init = await rawInitialize(url, asked);
    expect(init.status).toBe(200);
    expect(init.version).toBe(answered);
    expect(init.sessionId).toMatch(/^[\x21-\x7e]{32,}$/);
  });

  it('lists and calls tools with the SDK client', async () => {
    const client = await connectMcp(gw, 'time');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['get_current_time']);
    const res = await client.callTool({ name: 'get_current_time', arguments: { timezone: 'Asia/Shanghai' } });
    expect(res.content).toEqual([{ type: 'text', text: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(Asia\/Shanghai\); UTC /) }]);
    const bad = await client.callTool({ name: 'get_current_time', arguments: { timezone: 'Mars/Olympus' } });
    expect(bad.isError).toBe(true);
    await client.close();
  });

  it('answers notifications and responses with 202 and no body', async () => {
    const { sessionId } = await rawInitialize(url);
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    const note = await rawPost(url, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, headers);
    expect([note.status, await note.text()]).toEqual([202, '']);
    const reply = await rawPost(url, { jsonrpc: '2.0', id: 'nobody-asked', result: {} }, headers);
    expect([reply.status, await reply.text()]).toEqual([202, '']);
  });

  it('400s without a session id, 404s an unknown one, and 404s after DELETE', async () => {
    const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
    const missing = await rawPost(url, list);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ id: 7, error: { code: -32000, data: { code: 'GW_ERR_MCP_SESSION_REQUIRED' } } });
    const unknown = await rawPost(url, list, { 'mcp-session-id': 'not-a-session' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ id: 7, error: { code: -32001 } });
    const { sessionId } = await rawInitialize(url);
    const ok = await rawPost(url, list, { 'mcp-session-id': sessionId });
    expect((await rpcMessages(ok))[0]).toMatchObject({ id: 7, result: { tools: [{ name: 'get_current_time' }] } });
    const del = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    expect(del.status).toBe(200);
    const after = await rawPost(url, list, { 'mcp-session-id': sessionId });
    expect(after.status).toBe(404);
  });

  it('expires idle sessions: 404 afterwards, and their upstream sessions are closed', async () => {
    const { sessionId } = await rawInitialize(url);
    const closed = await waitFor(
      () => gw.logs.find((l) => l.msg === 'mcp session closed' && l.session === sessionId),
      'the idle session to expire',
    );
    expect(closed.reason).toBe('expired');
    const probe = await rawPost(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sessionId });
    expect(probe.status).toBe(404);
    expect(await probe.json()).toMatchObject({ id: 2, error: { code: -32001 } });
  });

  it('sends keep-alive comments on an idle GET stream', async () => {
    const { sessionId } = await rawInitialize(url);
    const res = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': keepalive\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
  });

  it('replays what a dropped GET stream missed to a client reconnecting with Last-Event-ID', async () => {
    const { sessionId } = await rawInitialize(url, '2025-11-25');
    const headers = { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const first = await fetch(url, { headers });
    const reader = first.body!.getReader();
    // A registry change that alters the server's config tells open sessions their tools may have changed.
    gw.registry.mcpServers.update({ name: 'time', description: 'v2', backend: { kind: 'hosted', server: 'clock' } }, 'cli');
    let text = '';
    while (!text.includes('list_changed')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const seen = parseSse(text).filter((e) => e.id);
    expect(seen.length).toBeGreaterThan(0);
    // While disconnected, two more changes happen.
    gw.registry.mcpServers.update({ name: 'time', description: 'v3', backend: { kind: 'hosted', server: 'clock' } }, 'cli');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('time')?.description === 'v3', 'v3');
    gw.registry.mcpServers.update({ name: 'time', description: 'v4', backend: { kind: 'hosted', server: 'clock' } }, 'cli');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('time')?.description === 'v4', 'v4');
    const resumed = await fetch(url, { headers: { ...headers, 'last-event-id': seen.at(-1)!.id! } });
    expect(resumed.status).toBe(200);
    const r2 = resumed.body!.getReader();
    let replay = '';
    while (parseSse(replay).filter((e) => e.data.includes('list_changed')).length < 2) replay += new TextDecoder().decode((await r2.read()).value);
    await r2.cancel();
    const replayed = parseSse(replay).filter((e) => e.data.includes('list_changed'));
    expect(replayed).toHaveLength(2);
    expect(new Set(replayed.map((e) => e.id)).size).toBe(2);
    expect(replayed.map((e) => e.id)).not.toContain(seen.at(-1)!.id);
  });

  it('writes what the standalone stream got before the GET opened once it opens, to each session its own', async () => {
    // The SDK client opens its GET stream after initializing, without Last-Event-ID: a change announced in between
    // must still reach it (before, it was only stored for a resume the client had no id for).
    const a = await rawInitialize(url, '2025-11-25');
    const b = await rawInitialize(url, '2025-11-25');
    gw.registry.mcpServers.update({ name: 'time', description: 'before-get', backend: { kind: 'hosted', server: 'clock' } }, 'cli');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('time')?.description === 'before-get', 'before-get');
    const heard = async (sessionId: string, waitMs = 2_000) => {
      const res = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } });
      const reader = res.body!.getReader();
      let text = '';
      const deadline = Date.now() + waitMs;
      while (!text.includes('list_changed') && Date.now() < deadline) {
        const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(r, 200))]);
        if (chunk?.value) text += new TextDecoder().decode(chunk.value);
      }
      await reader.cancel();
      return parseSse(text).filter((e) => e.data.includes('list_changed'));
    };
    const [toA, toB] = await Promise.all([heard(a.sessionId), heard(b.sessionId)]);
    expect(toA).toHaveLength(1);
    expect(toB).toHaveLength(1);
    expect(toA[0]!.id).not.toBe(toB[0]!.id);
    // Heard once: the next GET of the same session has nothing left to write.
    expect(await heard(a.sessionId, 400)).toHaveLength(0);
  });

  it('never replays another session’s events', async () => {
    const a = await rawInitialize(url, '2025-11-25');
    const b = await rawInitialize(url, '2025-11-25');
    const stream = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': a.sessionId } });
    const reader = stream.body!.getReader();
    gw.registry.mcpServers.update({ name: 'time', description: 'v5', backend: { kind: 'hosted', server: 'clock' } }, 'cli');
    let text = '';
    while (!text.includes('list_changed')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const eventId = parseSse(text).find((e) => e.id)!.id!;
    const stolen = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': b.sessionId, 'last-event-id': eventId } });
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).not.toContain('list_changed');
  });

});

describe('MCP Streamable HTTP under load', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // One loopback client opens all 200 sessions: lift the per-client cap (100) that session-limits.test.ts covers.
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers), mcp: { maxSessionsPerClient: 1000 } } });
    await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('serves 200 concurrent sessions', async () => {
    const url = `${gw.url}/mcp/time`;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const { sessionId } = await rawInitialize(url);
        const res = await rawPost(url, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'get_current_time', arguments: {} } }, { 'mcp-session-id': sessionId });
        return [sessionId, (await rpcMessages(res))[0]] as const;
      }),
    );
    const ms = performance.now() - started;
    expect(new Set(results.map(([id]) => id)).size).toBe(200);
    results.forEach(([, message], i) => expect(message).toMatchObject({ id: i, result: { content: [{ type: 'text' }] } }));
    console.log(`200 concurrent sessions (initialize + initialized + tools/call each): ${Math.round(ms)} ms`);
  });
});
