import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

const hosted = (server: string) => ({ kind: 'hosted' as const, server, settings: {}, secretSettings: {} });
const control = (): FixtureControl => ({ down: false, created: 0, cancelled: 0, sessions: 0 });

// `sessions` counts the upstream sessions a hosted fixture saw initialized.
describe('MCP member links open on first use', () => {
  let gw: TestGateway;
  const fx = control();
  const fy3 = control();
  const fy4 = control();
  const alpha = control();
  const beta = control();
  const clients: Client[] = [];

  const connect = async (name: string, capabilities: ClientCapabilities = {}) => {
    const client = await connectMcp(gw, name, { capabilities });
    clients.push(client);
    return client;
  };
  const echo = (client: Client, text: string) => client.callTool({ name: 'echo', arguments: { text } });

  beforeAll(async () => {
    const defs = new Map([
      ['fixture', fixtureServer('fixture', fx)],
      ['fixture3', fixtureServer('fixture3', fy3)],
      ['fixture4', fixtureServer('fixture4', fy4)],
      ['alpha', fixtureServer('alpha', alpha)],
      ['beta', fixtureServer('beta', beta)],
    ]);
    gw = await startTestGateway({ gateway: { hostedServers: defs, mcp: { retryInitialMs: 20, retryMaxMs: 100 } } });
    await addMcpServer(gw, { name: 'fx', backend: hosted('fixture') });
    await addMcpServer(gw, { name: 'a', backend: hosted('alpha') });
    await addMcpServer(gw, { name: 'b', backend: hosted('beta') });
    await addMcpServer(gw, { name: 'ab', backend: { kind: 'bundle', members: ['a', 'b'], separator: '___', prefix: 'conditional' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
  });

  it('initializes sessions from what the first one learnt, opening no upstream session', async () => {
    const first = await connect('fx');
    expect(fx.sessions).toBe(1);
    const rest = await Promise.all(Array.from({ length: 5 }, () => connect('fx', { roots: { listChanged: true } })));
    expect(fx.sessions).toBe(1);
    for (const client of [first, ...rest]) {
      expect(client.getServerVersion()).toMatchObject({ name: 'fx', version: '9.9.9' });
      expect(client.getInstructions()).toBe('use fixture');
      expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: { subscribe: true }, prompts: {}, logging: {} });
    }
    // ping and notifications need no upstream either.
    await Promise.all(rest.map((c) => c.ping()));
    await rest[0]!.sendRootsListChanged();
    expect(fx.sessions).toBe(1);

    // The first call of each session opens exactly one upstream session; later calls reuse it.
    for (const client of rest) expect((await echo(client, 'x')).content).toEqual([{ type: 'text', text: 'echo:x' }]);
    expect(fx.sessions).toBe(1 + rest.length);
    await Promise.all(rest.map((c) => echo(c, 'again')));
    expect((await rest[0]!.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(fx.sessions).toBe(1 + rest.length);
  });

  it('shares one upstream session between concurrent first requests', async () => {
    const client = await connect('fx');
    const before = fx.sessions!;
    const answers = await Promise.all([echo(client, '1'), echo(client, '2'), client.listTools(), client.readResource({ uri: 'fixture://greeting' })]);
    expect(answers[0].content).toEqual([{ type: 'text', text: 'echo:1' }]);
    expect(answers[1].content).toEqual([{ type: 'text', text: 'echo:2' }]);
    expect(fx.sessions).toBe(before + 1);
  });

  it('gives a lazily opened upstream session the log level the client set before', async () => {
    const client = await connect('fx');
    const before = fx.sessions!;
    fx.levels = [];
    await client.setLoggingLevel('warning');
    expect(fx.sessions).toBe(before);
    expect(fx.levels).toEqual([]);
    await echo(client, 'x');
    expect(fx.sessions).toBe(before + 1);
    expect(fx.levels).toEqual(['warning']);
    // Once open, a new level goes straight up.
    await client.setLoggingLevel('debug');
    expect(fx.levels).toEqual(['warning', 'debug']);
  });

  it('replays the log level and resource subscriptions to the upstream session that replaces a failed one', async () => {
    const client = await connect('fx');
    await client.setLoggingLevel('error');
    fx.levels = [];
    fx.subscribed = [];
    await client.subscribeResource({ uri: 'fixture://greeting' });
    expect(fx.levels).toEqual(['error']);
    expect(fx.subscribed).toEqual(['fixture://greeting']);
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toMatchObject({ code: -32603 });
    await waitFor(() => fx.subscribed!.length === 2, 'the reconnected upstream session to be subscribed again');
    expect(fx.levels).toEqual(['error', 'error']);
    expect(fx.subscribed).toEqual(['fixture://greeting', 'fixture://greeting']);
  });

  it('relays what an upstream session sends unprompted to the session, not to the request that opened it', async () => {
    const client = await connect('fx');
    let unprompted = false;
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void (unprompted ||= n.params.data === 'unprompted'));
    fx.notifyAfterMs = 50;
    try {
      await client.readResource({ uri: 'fixture://greeting' });
    } finally {
      fx.notifyAfterMs = undefined;
    }
    await waitFor(() => unprompted, 'the unprompted log message');
  });

  it('opens every bundle member for tools/list, and only the one a resource read needs', async () => {
    const primer = await connect('ab');
    expect([alpha.sessions, beta.sessions]).toEqual([1, 1]);
    expect(primer.getServerCapabilities()).toMatchObject({ resources: { subscribe: true }, prompts: {} });

    const reader = await connect('ab');
    expect([alpha.sessions, beta.sessions]).toEqual([1, 1]);
    expect((await reader.readResource({ uri: 'b+fixture://greeting' })).contents[0]).toMatchObject({ text: 'hello resource' });
    expect([alpha.sessions, beta.sessions]).toEqual([1, 2]);

    const lister = await connect('ab');
    const names = (await lister.listTools()).tools.map((t) => t.name);
    expect(names).toContain('a___echo');
    expect(names).toContain('b___echo');
    expect([alpha.sessions, beta.sessions]).toEqual([2, 3]);
    expect((await lister.callTool({ name: 'b___echo', arguments: { text: 'y' } })).content).toEqual([{ type: 'text', text: 'echo:y' }]);
    expect([alpha.sessions, beta.sessions]).toEqual([2, 3]);
  });

  it('calls a bundle tool on a fresh session without a prior tools/list', async () => {
    const client = await connect('ab');
    expect((await client.callTool({ name: 'a___echo', arguments: { text: 'z' } })).content).toEqual([{ type: 'text', text: 'echo:z' }]);
  });

  it('sends no list_changed when a first request opens the upstream session', async () => {
    const client = await connect('ab');
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
    await client.listTools();
    await client.callTool({ name: 'a___echo', arguments: { text: 'q' } });
    await client.ping();
    expect(changes).toBe(0);
  });

  it('forgets what it learnt when the backend changes: the next session connects, idle ones reach the new backend', async () => {
    await addMcpServer(gw, { name: 'fy', backend: hosted('fixture3') });
    const primer = await connectMcp(gw, 'fy');
    const idle = await connect('fy');
    expect([fy3.sessions, fy4.sessions]).toEqual([1, 0]);
    // Only idle sessions remain, so nothing reconnects by itself.
    await (primer.transport as StreamableHTTPClientTransport).terminateSession();
    await primer.close();
    const changed = new Promise<void>((resolve) => idle.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    gw.registry.mcpServers.update({ name: 'fy', backend: hosted('fixture4') }, 'cli');
    await changed;
    const fresh = await connect('fy');
    expect([fy3.sessions, fy4.sessions]).toEqual([1, 1]);
    expect(fresh.getInstructions()).toBe('use fixture4');
    expect((await echo(idle, 'n')).content).toEqual([{ type: 'text', text: 'echo:n' }]);
    expect([fy3.sessions, fy4.sessions]).toEqual([1, 2]);
  });
});
