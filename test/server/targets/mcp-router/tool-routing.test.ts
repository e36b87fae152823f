import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

const hosted = (server: string) => ({ kind: 'hosted' as const, server, settings: {}, secretSettings: {} });

/**
 * Which member a tool name belongs to when it is not listed: server names may contain the separator, so
 * `wx___pro___echo` starts with both `wx___` and `wx___pro___`. The longer prefix is the member (the tool
 * router's "most specific wins"), whatever order the bundle lists its members in.
 */
describe('MCP tool routing: a name under two member prefixes', () => {
  let gw: TestGateway;
  const wx: FixtureControl = { down: false, created: 0, cancelled: 0 };
  const pro: FixtureControl = { down: false, created: 0, cancelled: 0 };
  const clients: Client[] = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    const defs = new Map([
      ['wx', fixtureServer('wx', wx)],
      ['pro', fixtureServer('pro', pro)],
    ]);
    gw = await startTestGateway({ gateway: { hostedServers: defs, mcp: { retryInitialMs: 60_000, retryMaxMs: 60_000 } } });
    await addMcpServer(gw, { name: 'wx', backend: hosted('wx') });
    await addMcpServer(gw, { name: 'wx___pro', backend: hosted('pro') });
    await addMcpServer(gw, { name: 'short-first', backend: { kind: 'bundle', members: ['wx', 'wx___pro'], separator: '___', prefix: 'always' } });
    await addMcpServer(gw, { name: 'long-first', backend: { kind: 'bundle', members: ['wx___pro', 'wx'], separator: '___', prefix: 'always' } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'wx___vip', backend: hosted('wx'), access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'kit', backend: { kind: 'bundle', members: ['wx', 'wx___vip'], separator: '___', prefix: 'always' } });
    // wx___pro is down from the start: its tools are never listed, so a call to one is routed by prefix alone.
    pro.down = true;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
  });

  it.each(['short-first', 'long-first'])('%s: a call to the down member’s tool says that member is unavailable', async (bundle) => {
    const client = await connectMcp(gw, bundle);
    clients.push(client);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('wx___echo');
    expect(names.some((n) => n.startsWith('wx___pro___'))).toBe(false);
    const err = await client.callTool({ name: 'wx___pro___echo', arguments: { text: 'x' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_BACKEND_UNAVAILABLE' } });
    expect(String((err as Error).message)).toContain('wx___pro');
    // The live member still serves its own tools, and a name under no member is still unknown.
    expect((await client.callTool({ name: 'wx___echo', arguments: { text: 'y' } })).content).toEqual([{ type: 'text', text: 'echo:y' }]);
    await expect(client.callTool({ name: 'zz___echo', arguments: {} })).rejects.toMatchObject({ code: -32602, data: { code: 'GW_ERR_MCP_UNKNOWN_TOOL' } });
  });

  it('two consumers at once: the member whose prefix a name carries applies its own consumer list', async () => {
    const [alice, bob] = await Promise.all(
      ['alice', 'bob'].map((who) => connectMcp(gw, 'kit', { headers: { authorization: `Bearer ${keys[who]}` } })),
    );
    clients.push(alice!, bob!);
    const [aliceCall, bobCall] = await Promise.all([
      alice!.callTool({ name: 'wx___vip___echo', arguments: { text: 'a' } }),
      bob!.callTool({ name: 'wx___vip___echo', arguments: { text: 'b' } }).catch((e: unknown) => e),
    ]);
    expect(aliceCall.content).toEqual([{ type: 'text', text: 'echo:a' }]);
    // Bob is refused by wx___vip's consumer list (not told the tool does not exist, as if it were wx's).
    expect(bobCall).toMatchObject({ code: -32000, data: { code: 'GW_ERR_AUTH_FORBIDDEN', server: 'wx___vip' } });
    const [aliceNames, bobNames] = await Promise.all([alice!.listTools(), bob!.listTools()]).then((r) => r.map((l) => l.tools.map((t) => t.name)));
    expect(aliceNames).toContain('wx___vip___echo');
    expect(bobNames).not.toContain('wx___vip___echo');
    expect(bobNames).toContain('wx___echo');
  });
});
