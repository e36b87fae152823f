import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

// A call to member X meets X's own policy whatever endpoint it came through (design.md §9). Every cell below
// checks one endpoint kind × one member policy × an allowed or refused consumer, on both transports.

type Transport = 'streamable-http' | 'sse';
type Who = 'alice' | 'bob' | 'anonymous';

/** How each endpoint kind exposes member `m`'s tool `t`: its own endpoint, a user bundle, the seeded bundle shape. */
const ENDPOINTS = [
  { kind: 'own', path: (m: string) => m, name: (_m: string, t: string) => t },
  { kind: 'bundle', path: () => 'kit', name: (m: string, t: string) => `${m}__${t}` },
  { kind: 'all-in-one', path: () => 'all-in-one', name: (m: string, t: string) => `${m}___${t}` },
] as const;
const TRANSPORTS: readonly Transport[] = ['streamable-http', 'sse'];
const CELLS = ENDPOINTS.flatMap((endpoint) => TRANSPORTS.map((transport) => ({ endpoint, transport })));
const RATE_MEMBERS = CELLS.map((_c, i) => `rated-${i}`);

describe('member policy holds at every endpoint', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const open: Client[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]) } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    const fixture = { kind: 'hosted' as const, server: 'fixture', settings: {}, secretSettings: {} };
    await addMcpServer(gw, { name: 'guarded', backend: fixture, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'narrow', backend: fixture, access: { allowTools: ['echo'] } });
    // One rate-limited member per cell: the member's bucket is shared by every endpoint (that is the point).
    for (const name of RATE_MEMBERS) await addMcpServer(gw, { name, backend: fixture, rateLimit: { perTool: { requests: 2, windowSeconds: 60 } } });
    await addMcpServer(gw, { name: 'per-user', backend: fixture, rateLimit: { perConsumer: { requests: 1, windowSeconds: 60 } } });
    const members = ['guarded', 'narrow', ...RATE_MEMBERS, 'per-user'];
    await addMcpServer(gw, { name: 'kit', backend: { kind: 'bundle', members, separator: '__', prefix: 'always' } });
    // The seeded bundle's shape (cli/seed.ts): Higress names, `___`, always prefixed.
    await addMcpServer(gw, { name: 'all-in-one', backend: { kind: 'bundle', members, separator: '___', prefix: 'always' } });
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
  });

  const connect = async (path: string, who: Who, transport: Transport) => {
    const headers: Record<string, string> = who === 'anonymous' ? {} : { authorization: `Bearer ${keys[who]}` };
    const client = await connectMcp(gw, path, { transport, headers });
    open.push(client);
    return client;
  };
  const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    return err as McpError;
  };

  describe.each(CELLS)('$endpoint.kind over $transport', ({ endpoint, transport }) => {
    const path = (m: string) => endpoint.path(m);
    const tool = (m: string, t: string) => endpoint.name(m, t);

    it('consumer list: alice (listed) sees and calls the member’s tools', async () => {
      const client = await connect(path('guarded'), 'alice', transport);
      expect(await toolNames(client)).toContain(tool('guarded', 'echo'));
      const result = await client.callTool({ name: tool('guarded', 'echo'), arguments: { text: 'hi' } });
      expect(result.content).toEqual([{ type: 'text', text: 'echo:hi' }]);
    });

    it.each(['bob', 'anonymous'] as const)('consumer list: %s (not listed) neither sees nor calls the member’s tools', async (who) => {
      const code = who === 'anonymous' ? 'GW_ERR_AUTH_MISSING' : 'GW_ERR_AUTH_FORBIDDEN';
      if (endpoint.kind === 'own') {
        // The member's own endpoint refuses at the HTTP level (401 / 403) before any session exists: the SDK's
        // Streamable HTTP client reports the JSON-RPC body (catalogue code), its SSE client the status.
        const expected = transport === 'sse' ? (who === 'anonymous' ? '401' : '403') : code;
        await expect(connect(path('guarded'), who, transport)).rejects.toThrow(expected);
        return;
      }
      const client = await connect(path('guarded'), who, transport);
      const names = await toolNames(client);
      expect(names.some((n) => n.startsWith(tool('guarded', '')))).toBe(false);
      // Other members stay usable through the same session.
      expect(names).toContain(tool('narrow', 'echo'));
      const err = await refusal(client.callTool({ name: tool('guarded', 'echo'), arguments: { text: 'hi' } }));
      expect(err.code).toBe(-32000);
      expect(err.data).toMatchObject({ code, server: 'guarded' });
      expect(err.message).toContain('guarded');
    });

    it('tool allow list: a listed tool is visible and callable', async () => {
      const client = await connect(path('narrow'), 'anonymous', transport);
      expect(await toolNames(client)).toContain(tool('narrow', 'echo'));
      const result = await client.callTool({ name: tool('narrow', 'echo'), arguments: { text: 'ok' } });
      expect(result.content).toEqual([{ type: 'text', text: 'echo:ok' }]);
    });

    it('tool allow list: a tool outside it is neither listed nor callable', async () => {
      const client = await connect(path('narrow'), 'bob', transport);
      const names = await toolNames(client);
      expect(names).not.toContain(tool('narrow', 'fail'));
      expect(names).not.toContain(tool('narrow', 'whoami'));
      const err = await refusal(client.callTool({ name: tool('narrow', 'fail'), arguments: {} }));
      // Answered exactly like a tool that does not exist, under the name the client used.
      expect(err.code).toBe(-32602);
      expect(err.data).toMatchObject({ code: 'GW_ERR_MCP_UNKNOWN_TOOL' });
      expect(err.message).toContain(tool('narrow', 'fail'));
    });

    it('tool rate limit: calls within it pass, the next one is refused with when to retry', async () => {
      const member = RATE_MEMBERS[CELLS.findIndex((c) => c.endpoint === endpoint && c.transport === transport)]!;
      const client = await connect(path(member), 'alice', transport);
      const name = tool(member, 'echo');
      for (const text of ['1', '2']) expect((await client.callTool({ name, arguments: { text } })).content).toEqual([{ type: 'text', text: `echo:${text}` }]);
      const err = await refusal(client.callTool({ name, arguments: { text: '3' } }));
      expect(err.code).toBe(-32000);
      expect(err.data).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', server: member, retryAfterMs: expect.any(Number), retryAfterSeconds: expect.any(Number) });
      expect((err.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
      expect(err.message).toContain(member);
      const line = await waitFor(() => gw.logs.find((l) => l.msg === 'mcp tool call' && l.member === member && l.outcome === 'rate_limited'), 'the refusal log');
      expect(line).toMatchObject({ server: path(member), tool: name, code: 'GW_ERR_RATE_LIMITED' });
    });
  });

  it.each(TRANSPORTS)('resources and prompts of a member reach only its consumers through a bundle (%s)', async (transport) => {
    const alice = await connect('kit', 'alice', transport);
    const bob = await connect('kit', 'bob', transport);
    const uri = 'guarded+fixture://greeting';
    expect((await alice.listResources()).resources.map((r) => r.uri)).toContain(uri);
    expect((await alice.readResource({ uri })).contents).toEqual([{ uri: 'fixture://greeting', text: 'hello resource' }]);
    expect((await alice.getPrompt({ name: 'guarded__greet', arguments: { who: 'x' } })).messages).toHaveLength(1);
    const listed = [...(await bob.listResources()).resources.map((r) => r.uri), ...(await bob.listPrompts()).prompts.map((p) => p.name)];
    expect(listed.filter((n) => n.startsWith('guarded'))).toEqual([]);
    expect(listed).toContain('narrow+fixture://greeting');
    const asks = [
      bob.readResource({ uri }),
      bob.getPrompt({ name: 'guarded__greet', arguments: { who: 'x' } }),
      bob.subscribeResource({ uri }),
      bob.complete({ ref: { type: 'ref/prompt', name: 'guarded__greet' }, argument: { name: 'who', value: 'x' } }),
    ];
    for (const p of asks) {
      const err = await refusal(p);
      expect(err.code).toBe(-32000);
      expect(err.data).toMatchObject({ code: 'GW_ERR_AUTH_FORBIDDEN', server: 'guarded' });
    }
  });

  it('a member’s tool bucket is one bucket, whatever endpoint spends it', async () => {
    await addMcpServer(gw, { name: 'shared', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} }, rateLimit: { perTool: { requests: 2, windowSeconds: 60 } } });
    const own = await connect('shared', 'alice', 'streamable-http');
    await own.callTool({ name: 'echo', arguments: { text: 'a' } });
    await own.callTool({ name: 'echo', arguments: { text: 'b' } });
    gw.registry.mcpServers.update({ ...gw.registry.mcpServers.get('kit')!, backend: { kind: 'bundle', members: ['shared'], separator: '__', prefix: 'always' } }, 'cli');
    const bundled = await connect('kit', 'bob', 'sse');
    await expect.poll(async () => toolNames(bundled), { timeout: 5000 }).toContain('shared__echo');
    const err = await refusal(bundled.callTool({ name: 'shared__echo', arguments: { text: 'c' } }));
    expect(err.data).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', server: 'shared' });
  });

  it('two consumers at once: one spending its per-consumer allowance through a bundle leaves the other’s intact', async () => {
    const [aliceBundle, bobBundle, aliceOwn, bobOwn] = await Promise.all([
      connect('all-in-one', 'alice', 'streamable-http'),
      connect('all-in-one', 'bob', 'sse'),
      connect('per-user', 'alice', 'sse'),
      connect('per-user', 'bob', 'streamable-http'),
    ]);
    const [a, b] = await Promise.all([
      aliceBundle.callTool({ name: 'per-user___echo', arguments: { text: 'a' } }),
      bobBundle.callTool({ name: 'per-user___echo', arguments: { text: 'b' } }),
    ]);
    expect(a.content).toEqual([{ type: 'text', text: 'echo:a' }]);
    expect(b.content).toEqual([{ type: 'text', text: 'echo:b' }]);
    // Both spent their one call per minute at per-user through the bundle: the member's own endpoint refuses both.
    for (const client of [aliceOwn, bobOwn]) {
      const err = await refusal(client.callTool({ name: 'echo', arguments: { text: 'again' } }));
      expect(err.data).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', server: 'per-user' });
    }
  });

  it('a member’s changed consumer list reaches the bundle’s open sessions (list_changed, then listed)', async () => {
    const fixture = { kind: 'hosted' as const, server: 'fixture', settings: {}, secretSettings: {} };
    await addMcpServer(gw, { name: 'late', backend: fixture, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'late-kit', backend: { kind: 'bundle', members: ['late'], separator: '__', prefix: 'always' } });
    const bob = await connect('late-kit', 'bob', 'streamable-http');
    let changed = 0;
    bob.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    expect(await toolNames(bob)).toEqual([]);
    gw.registry.mcpServers.update({ ...gw.registry.mcpServers.get('late')!, access: { consumers: ['alice', 'bob'] } }, 'cli');
    await waitFor(() => changed > 0, 'notifications/tools/list_changed');
    expect(await toolNames(bob)).toContain('late__echo');
    expect((await bob.callTool({ name: 'late__echo', arguments: { text: 'now' } })).content).toEqual([{ type: 'text', text: 'echo:now' }]);
    // Dropped again: the open session (whose upstream session to `late` is now open) loses it from the next message on.
    gw.registry.mcpServers.update({ ...gw.registry.mcpServers.get('late')!, access: { consumers: ['alice'] } }, 'cli');
    await waitFor(() => changed > 1, 'a second notifications/tools/list_changed');
    expect(await toolNames(bob)).toEqual([]);
    const err = await refusal(bob.callTool({ name: 'late__echo', arguments: { text: 'again' } }));
    expect(err.data).toMatchObject({ code: 'GW_ERR_AUTH_FORBIDDEN', server: 'late' });
  });
});
