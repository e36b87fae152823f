import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';
import { exposedName, namingRule } from '../../../../server/targets/mcp-router/index.js';
import { hostedServers } from '../../../../servers/index.js';
import { withClock } from '../../../fixtures/clock-server.js';

const hosted = (server: string) => ({ kind: 'hosted' as const, server, settings: {}, secretSettings: {} });

describe('naming', () => {
  it.each([
    ['always', 1, 'time___get_current_time'],
    ['conditional', 1, 'get_current_time'],
    ['conditional', 2, 'time___get_current_time'],
    ['never', 2, 'get_current_time'],
  ] as const)('prefix mode %s with %i member(s)', (mode, members, expected) => {
    expect(exposedName('time', 'get_current_time', namingRule(mode, '___', members))).toBe(expected);
  });

  it('fits names that break LLM providers’ rules with a stable hash suffix', () => {
    const rule = namingRule('always', '___', 2);
    const long = exposedName('a-very-long-server-name', 'an_extremely_long_tool_name_that_goes_on_and_on_forever', rule);
    expect(long).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(long).toHaveLength(64);
    expect(exposedName('s', 'tool.with.dots', rule)).toMatch(/^s___tool_with_dots_[0-9a-f]{8}$/);
    expect(exposedName('s', 'tool.with.dots', rule)).not.toBe(exposedName('s', 'tool_with.dots', rule));
  });
});

describe('MCP bundles', () => {
  let gw: TestGateway;
  const alpha: FixtureControl = { down: false, created: 0, cancelled: 0 };
  const beta: FixtureControl = { down: false, created: 0, cancelled: 0 };
  let client: Client;
  const changes: number[] = [];

  beforeAll(async () => {
    const defs = new Map([
      ...withClock(hostedServers),
      ['alpha', fixtureServer('alpha', alpha)],
      ['beta', fixtureServer('beta', beta)],
    ]);
    gw = await startTestGateway({ gateway: { hostedServers: defs, mcp: { retryInitialMs: 20, retryMaxMs: 100 } } });
    await addMcpServer(gw, { name: 'time', backend: hosted('clock') });
    await addMcpServer(gw, { name: 'a', backend: hosted('alpha') });
    await addMcpServer(gw, { name: 'b', backend: hosted('beta') });
    await addMcpServer(gw, { name: 'all', backend: { kind: 'bundle', members: ['time', 'a', 'b'], separator: '___', prefix: 'conditional' } });
    client = await connectMcp(gw, 'all');
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes.push(Date.now()));
  });
  afterAll(async () => {
    await client?.close();
    await gw?.stop();
  });

  const toolNames = async () => (await client.listTools()).tools.map((t) => t.name);

  it('lists every member’s tools under <server>___<tool> and dispatches calls to the right member', async () => {
    const names = await toolNames();
    expect(names).toContain('time___get_current_time');
    expect(names).toContain('a___echo');
    expect(names).toContain('b___echo');
    expect(names).toHaveLength(1 + 9 + 9);
    expect((await client.callTool({ name: 'a___echo', arguments: { text: 'x' } })).content).toEqual([{ type: 'text', text: 'echo:x' }]);
    expect((await client.callTool({ name: 'time___get_current_time', arguments: {} })).isError).toBeFalsy();
    await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: -32602 });
  });

  it('namespaces resources and prompts and merges their lists under composite cursors', async () => {
    const first = await client.listResources();
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.listResources({ cursor: first.nextCursor });
    expect(second.nextCursor).toBeUndefined();
    expect([...first.resources, ...second.resources].map((r) => r.uri)).toEqual(['a+fixture://greeting', 'b+fixture://greeting']);
    await expect(client.listResources({ cursor: 'forged' })).rejects.toMatchObject({ code: -32602 });
    const read = await client.readResource({ uri: 'b+fixture://greeting' });
    expect(read.contents[0]).toMatchObject({ text: 'hello resource' });
    const p1 = await client.listPrompts();
    const p2 = await client.listPrompts({ cursor: p1.nextCursor });
    expect([...p1.prompts, ...p2.prompts].map((p) => p.name)).toEqual(['a___greet', 'b___greet']);
    const prompt = await client.getPrompt({ name: 'b___greet', arguments: { who: 'bob' } });
    expect(prompt.messages[0]!.content).toEqual({ type: 'text', text: 'greet bob' });
  });

  it('withdraws a failing member’s tools with list_changed and brings them back when it recovers', async () => {
    const before = changes.length;
    beta.down = true;
    // The member dies mid-call; the bundle keeps serving the others.
    await expect(client.callTool({ name: 'b___crash', arguments: {} })).rejects.toMatchObject({ code: -32603 });
    await waitFor(async () => !(await toolNames()).some((n) => n.startsWith('b___')), 'beta’s tools to be withdrawn');
    expect(changes.length).toBeGreaterThan(before);
    expect((await client.callTool({ name: 'a___echo', arguments: { text: 'still' } })).content).toEqual([{ type: 'text', text: 'echo:still' }]);
    // A call to the withdrawn member says it is unavailable, not that its tool does not exist.
    const err = await client.callTool({ name: 'b___echo', arguments: { text: 'x' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_BACKEND_UNAVAILABLE' } });
    await expect(client.callTool({ name: 'zzz___echo', arguments: {} })).rejects.toMatchObject({ code: -32602, data: { code: 'GW_ERR_MCP_UNKNOWN_TOOL' } });
    const withdrawn = changes.length;
    beta.down = false;
    await waitFor(async () => (await toolNames()).includes('b___echo'), 'beta to recover');
    await waitFor(() => changes.length > withdrawn, 'list_changed on recovery');
  });

  it('follows live removal and re-addition of a member server', async () => {
    const before = changes.length;
    gw.registry.mcpServers.remove('a', 'cli');
    await waitFor(async () => !(await toolNames()).some((n) => n.startsWith('a___')), 'a’s tools to go');
    expect(changes.length).toBeGreaterThan(before);
    gw.registry.mcpServers.create({ name: 'a', backend: hosted('alpha') }, 'cli');
    await waitFor(async () => (await toolNames()).includes('a___echo'), 'a’s tools to return');
  });
});

describe('MCP servers added and removed live', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers) } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('serves a server once added and 404s it (and its sessions) once removed', async () => {
    const before = await fetch(`${gw.url}/mcp/clock`, { method: 'POST' });
    expect(before.status).toBe(404);
    expect(await before.json()).toMatchObject({ error: { data: { code: 'GW_ERR_MCP_SERVER_NOT_FOUND' } } });
    await addMcpServer(gw, { name: 'clock', backend: hosted('clock') });
    const client = await connectMcp(gw, 'clock', { transport: 'sse' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['get_current_time']);
    gw.registry.mcpServers.remove('clock', 'cli');
    const line = await waitFor(() => gw.logs.find((l) => l.msg === 'mcp session closed' && l.server === 'clock'), 'the session to be closed');
    expect(line.reason).toBe('server removed');
    await expect(client.listTools()).rejects.toThrow();
    await client.close();
    const after = await fetch(`${gw.url}/mcp/clock`, { method: 'POST' });
    expect(after.status).toBe(404);
  });
});
