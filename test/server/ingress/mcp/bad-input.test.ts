import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, rawInitialize, rawPost, rpcMessages } from '../../../helpers/mcp.js';
import { hostedServers } from '../../../../servers/index.js';
import { withClock } from '../../../fixtures/clock-server.js';

// perf-reliability.md §5.4 cases 13–26: status, JSON-RPC code and id for each.
describe('MCP bad input over raw HTTP', () => {
  let gw: TestGateway;
  let url: string;
  let session: string; // negotiated 2025-06-18: no batches
  let oldSession: string; // negotiated 2025-03-26: batches allowed

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers) } });
    await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
    url = `${gw.url}/mcp/time`;
    session = (await rawInitialize(url, '2025-06-18')).sessionId;
    oldSession = (await rawInitialize(url, '2025-03-26')).sessionId;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const s = () => ({ 'mcp-session-id': session });

  it.each([
    ['truncated JSON (13)', '{"jsonrpc":', 400, -32700, null],
    ['a number (14)', '42', 400, -32600, null],
    ['a string (14)', '"x"', 400, -32600, null],
    ['null (14)', 'null', 400, -32600, null],
    ['true (14)', 'true', 400, -32600, null],
    ['an empty batch (15)', '[]', 400, -32600, null],
    ['a batch on 2025-06-18 (15)', '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]', 400, -32600, null],
    ['jsonrpc missing (16)', '{"id":5,"method":"ping"}', 400, -32600, 5],
    ['jsonrpc 1.0 (16)', '{"jsonrpc":"1.0","id":"a","method":"ping"}', 400, -32600, 'a'],
    ['method not a string (16)', '{"jsonrpc":"2.0","id":6,"method":7}', 400, -32600, 6],
    ['id an object (16)', '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}', 400, -32600, null],
    ['id a float (16)', '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', 400, -32600, null],
    ['invalid UTF-8 (25)', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, -32700, null],
  ])('%s', async (_name, body, status, code, id) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...s() }, body });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id, error: { code } });
  });

  it('names the field of invalid params, in a batch too', async () => {
    const bad = { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { arguments: {} } };
    const single = (await rpcMessages(await rawPost(url, bad, s())))[0]!;
    expect(single).toMatchObject({ id: 'b', error: { code: -32602, data: { code: 'GW_ERR_MCP_INVALID_PARAMS' } } });
    expect(single.error.message).toContain('tools/call: params.name');
    const res = await rawPost(url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, bad], { 'mcp-session-id': oldSession, 'mcp-protocol-version': '2025-03-26' });
    const answers = await rpcMessages(res);
    expect(answers.find((m) => m.id === 1)).toMatchObject({ result: {} });
    expect(answers.find((m) => m.id === 'b')).toMatchObject({ error: { code: -32602 } });
  });

  it('allows a batch on a 2025-03-26 session', async () => {
    const res = await rawPost(url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }], {
      'mcp-session-id': oldSession,
      'mcp-protocol-version': '2025-03-26',
    });
    expect(res.status).toBe(200);
    expect((await rpcMessages(res)).map((m) => m.id).sort()).toEqual([1, 2]);
  });

  it.each([
    ['unknown method (17)', { jsonrpc: '2.0', id: 17, method: 'foo/bar' }, -32601],
    ['unknown tool (18)', { jsonrpc: '2.0', id: 18, method: 'tools/call', params: { name: 'nope', arguments: {} } }, -32602],
    ['bad tools/call params (18)', { jsonrpc: '2.0', id: 'p', method: 'tools/call', params: { arguments: {} } }, -32602],
    ['a second initialize (19)', { jsonrpc: '2.0', id: 19, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, -32600],
  ])('%s', async (_name, body, code) => {
    const res = await rawPost(url, body, s());
    const [message] = await rpcMessages(res);
    expect(message).toMatchObject({ id: (body as { id: unknown }).id === 19 ? null : (body as { id: unknown }).id, error: { code } });
    // The wire message is the plain text: SDK clients add their own "MCP error <code>: " on receipt.
    expect(message!.error.message).not.toMatch(/^MCP error/);
  });

  it('rejects a request before initialize without creating a session (19)', async () => {
    const res = await rawPost(url, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(res.status).toBe(400);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(await res.json()).toMatchObject({ id: 3, error: { code: -32000 } });
  });

  it.each([
    ['Accept: application/json only (21)', { accept: 'application/json' }, 406],
    ['Content-Type: text/plain (21)', { 'content-type': 'text/plain' }, 415],
    ['unsupported MCP-Protocol-Version (21)', { 'mcp-protocol-version': '2099-01-01' }, 400],
    ['a foreign Origin (22)', { origin: 'http://evil.example' }, 403],
  ])('%s', async (_name, headers, status) => {
    const res = await rawPost(url, { jsonrpc: '2.0', id: 21, method: 'ping' }, { ...s(), ...headers });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
  });

  it('refuses a DNS-rebinding Host on a loopback listener (22)', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { host: 'evil.example:80', 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...s() } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 22, method: 'ping' }));
    });
    expect(status).toBe(403);
    expect(JSON.parse(body)).toMatchObject({ error: { code: -32000, data: { code: 'GW_ERR_MCP_ORIGIN_FORBIDDEN' } } });
  });

  it('accepts a missing or wildcard Accept where the answer can still be honoured', async () => {
    for (const accept of ['*/*', '']) {
      const res = await rawPost(url, { jsonrpc: '2.0', id: 'w', method: 'ping' }, { ...s(), accept });
      expect(res.status).toBe(200);
      expect((await rpcMessages(res))[0]).toMatchObject({ id: 'w', result: {} });
    }
  });

  it('accepts a same-origin browser request', async () => {
    const res = await rawPost(url, { jsonrpc: '2.0', id: 'o', method: 'ping' }, { ...s(), origin: gw.url });
    expect(res.status).toBe(200);
    await res.text();
  });

  it('answers a notification and an unknown response with 202 (23)', async () => {
    for (const body of [{ jsonrpc: '2.0', method: 'notifications/whatever' }, { jsonrpc: '2.0', id: 999, result: {} }]) {
      const res = await rawPost(url, body, s());
      expect([res.status, await res.text()]).toEqual([202, '']);
    }
  });

  it('does not let __proto__ in params pollute shared objects (24)', async () => {
    const body = '{"jsonrpc":"2.0","id":24,"method":"tools/call","params":{"name":"get_current_time","arguments":{"__proto__":{"polluted":1}},"__proto__":{"polluted":1}}}';
    const res = await rawPost(url, body, s());
    await res.text();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('405s a GET on an SSE-less method and an unknown HTTP method (26)', async () => {
    const put = await fetch(url, { method: 'PUT', headers: s() });
    expect(put.status).toBe(405);
    expect(await put.json()).toMatchObject({ id: null, error: { code: -32000 } });
  });
});
