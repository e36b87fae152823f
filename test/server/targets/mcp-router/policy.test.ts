import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp, rawInitialize, rawPost } from '../../../helpers/mcp.js';

describe('MCP policy', () => {
  let gw: TestGateway;
  let aliceKey: string;
  let bobKey: string;
  let malloryKey: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]) } });
    gw.registry.consumers.store.create({ name: 'alice', groups: ['ops'] }, 'cli');
    gw.registry.consumers.store.create({ name: 'bob', groups: [] }, 'cli');
    gw.registry.consumers.store.create({ name: 'mallory', groups: [] }, 'cli');
    aliceKey = gw.registry.consumers.issueKey('alice', 'cli').key;
    bobKey = gw.registry.consumers.issueKey('bob', 'cli').key;
    malloryKey = gw.registry.consumers.issueKey('mallory', 'cli').key;
    await addMcpServer(gw, {
      name: 'guarded',
      backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} },
      access: { consumers: ['group:ops', 'bob'], tools: { fail: ['group:ops'] }, allowTools: ['echo', 'fail', 'whoami'] },
      rateLimit: { perConsumer: { requests: 3, windowSeconds: 60 } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const names = async (key: string) => {
    const client = await connectMcp(gw, 'guarded', { headers: { authorization: `Bearer ${key}` } });
    const tools = (await client.listTools()).tools.map((t) => t.name);
    return { client, tools };
  };

  it('401s without a key, 401s an unknown key and 403s a consumer not on the server’s list', async () => {
    const url = `${gw.url}/mcp/guarded`;
    expect((await rawInitialize(url)).status).toBe(401);
    expect((await rawInitialize(url, '2025-06-18', { 'x-api-key': 'agk_wrong' })).status).toBe(401);
    expect((await rawInitialize(url, '2025-06-18', { 'x-api-key': malloryKey })).status).toBe(403);
  });

  it('applies tool allow lists to tools/list and tools/call alike', async () => {
    const alice = await names(aliceKey);
    expect(alice.tools).toEqual(['echo', 'fail', 'whoami']);
    const bob = await names(bobKey);
    expect(bob.tools).toEqual(['echo', 'whoami']);
    const denied = await bob.client.callTool({ name: 'fail', arguments: {} }).catch((e: unknown) => e);
    // Same answer as a tool that does not exist: the allow list does not reveal what is hidden.
    expect(denied).toBeInstanceOf(McpError);
    expect((denied as McpError).code).toBe(-32602);
    expect((denied as McpError).message).toContain('Unknown tool: fail');
    await expect(bob.client.callTool({ name: 'crash', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    const line = await waitFor(() => gw.logs.find((l) => l.msg === 'mcp tool call' && l.tool === 'fail' && l.consumer === 'bob'), 'the denial log');
    expect(line.outcome).toBe('denied');
    await alice.client.close();
    await bob.client.close();
  });

  it('rate-limits tools/call per consumer with the retry delay in data', async () => {
    const { client } = await names(aliceKey);
    const results: unknown[] = [];
    for (let i = 0; i < 4; i++) results.push(await client.callTool({ name: 'echo', arguments: { text: `${i}` } }).catch((e: unknown) => e));
    // alice made no earlier echo calls in this window except the ones above; the limit is 3 per minute.
    const limited = results.find((r) => r instanceof McpError) as McpError;
    expect(limited).toBeDefined();
    expect(limited.code).toBe(-32000);
    expect(limited.data).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', retryAfterMs: expect.any(Number), retryAfterSeconds: expect.any(Number) });
    expect((limited.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    await client.close();
  });

  it('binds a session to its consumer: another consumer’s key gets 404 for it', async () => {
    const url = `${gw.url}/mcp/guarded`;
    const { sessionId } = await rawInitialize(url, '2025-06-18', { 'x-api-key': bobKey });
    const own = await rawPost(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': sessionId, 'x-api-key': bobKey });
    expect(own.status).toBe(200);
    await own.text();
    const foreign = await rawPost(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sessionId, 'x-api-key': aliceKey });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ id: 2, error: { code: -32001 } });
  });

  it('ignores client headers that claim tool permissions (Higress x-envoy-allow-mcp-tools)', async () => {
    const url = `${gw.url}/mcp/guarded`;
    const { sessionId } = await rawInitialize(url, '2025-06-18', { 'x-api-key': bobKey, 'x-envoy-allow-mcp-tools': 'fail,crash' });
    const listed = await rawPost(url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'x-api-key': bobKey, 'x-envoy-allow-mcp-tools': 'fail' });
    const text = await listed.text();
    expect(text).toContain('"echo"');
    expect(text).not.toContain('"fail"');
  });
});
