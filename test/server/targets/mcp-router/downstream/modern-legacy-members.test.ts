import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { CAPABILITY_TOOLS, everythingStdio } from '../../../../helpers/everything-server.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { connectModernMcp } from '../../../../helpers/mcp-modern.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { Client as V2Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

// 2026 clients reaching 2025-only members (a stdio child: the MCP reference server; a remote Streamable HTTP
// server on the v1 SDK) through a bundle: the gateway speaks 2025 to them, the client 2026 to the gateway.

const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;

describe('2026 clients and 2025 members', () => {
  let gw: TestGateway;
  let remote: RemoteMcpUpstream;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    remote = await startRemoteMcpUpstream();
    gw = await startTestGateway();
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'ev', backend: everythingStdio });
    await addMcpServer(gw, { name: 'far', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} } });
    await addMcpServer(gw, { name: 'mixed', backend: { kind: 'bundle', members: ['ev', 'far'], separator: '__', prefix: 'always' } });
  }, 30_000);
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await remote?.close();
  });

  async function modern(who: string): Promise<ModernClient> {
    const c = await connectModernMcp(gw, 'mixed', { headers: { 'x-api-key': keys[who]! } });
    open.push(c);
    return c;
  }

  it('a 2026 client (alice) and a 2025 client (bob) list and call a stdio and a remote member at once', async () => {
    const [m, l] = await Promise.all([modern('alice'), connectMcp(gw, 'mixed', { headers: { 'x-api-key': keys.bob! } })]);
    open.push(l);
    const [mTools, lTools] = await Promise.all([m.listTools(), l.listTools()]);
    const names = mTools.tools.map((t) => t.name);
    expect(names).toContain('ev__echo');
    expect(names).toContain('far__echo');
    expect(names.sort()).toEqual(lTools.tools.map((t) => t.name).sort());
    const calls = await Promise.all([
      m.callTool({ name: 'ev__echo', arguments: { message: 'from alice' } }),
      l.callTool({ name: 'ev__echo', arguments: { message: 'from bob' } }),
      m.callTool({ name: 'far__echo', arguments: { message: 'alice' } }),
      l.callTool({ name: 'far__echo', arguments: { message: 'bob' } }),
    ]);
    expect(calls.map(text)).toEqual(['Echo: from alice', 'Echo: from bob', 'gen1: alice', 'gen1: bob']);
  });

  it('a 2026 client that declares elicitation and sampling is offered the tools that need them, as the same client in 2025 is', async () => {
    const client = new V2Client({ name: 'asks', version: '1' }, { capabilities: { elicitation: {}, sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/ev`), { requestInit: { headers: { 'x-api-key': keys.alice! } } }));
    open.push(client);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    // The member is told what the client declared: the questions it asks are bridged (MRTR, mrtr-bridge.test.ts).
    const legacy = await connectMcp(gw, 'ev', { capabilities: { elicitation: {}, sampling: {} }, headers: { 'x-api-key': keys.alice! } });
    open.push(legacy);
    const legacyNames = (await legacy.listTools()).tools.map((t) => t.name);
    for (const [, tool] of CAPABILITY_TOOLS) {
      expect(names).toContain(tool);
      expect(legacyNames).toContain(tool);
    }
  });

  it('the reference server over stdio elicits and samples from a 2026 client through input_required (the v2 SDK answers)', async () => {
    const client = new V2Client({ name: 'answers', version: '1' }, { capabilities: { elicitation: {}, sampling: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Alice from 2026' } }));
    client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'sampled-by-alice' }, model: 'm', stopReason: 'endTurn' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/ev`), { requestInit: { headers: { 'x-api-key': keys.alice! } } }));
    open.push(client);
    const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    const all = (r: unknown) => (r as { content: Array<{ text?: string }> }).content.map((c) => c.text ?? '').join('\n');
    expect(all(elicited)).toContain('- Name: Alice from 2026');
    const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi' } });
    expect(all(sampled)).toContain('sampled-by-alice');
  });

  const upstreamInits = () => remote.requests.filter((r) => (r.body as { method?: string } | undefined)?.method === 'initialize').length;
  const upstreamSessionsOfCalls = (text: string) =>
    new Set(remote.requests.filter((r) => JSON.stringify(r.body ?? {}).includes(text)).map((r) => String(r.headers['mcp-session-id']))).size;

  it('a consumer’s next 2026 requests reuse the member session its last one opened; another consumer gets its own', async () => {
    await addMcpServer(gw, { name: 'far2', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} } });
    const as = async (who: string | undefined) => {
      const c = await connectModernMcp(gw, 'far2', who ? { headers: { 'x-api-key': keys[who]! } } : {});
      open.push(c);
      return c;
    };
    // agate probes a new member's era on its own connection (server/discover, then initialize for a 2025 member):
    // count the consumers' sessions from after that.
    await waitFor(() => gw.registry.memberEras.get('far2')?.era === 'legacy', "far2's era probed", 15_000);
    const before = upstreamInits();
    const alice = await as('alice');
    for (let i = 0; i < 3; i++) expect(text(await alice.callTool({ name: 'echo', arguments: { message: `pool-alice-${i}` } }))).toBe(`gen1: pool-alice-${i}`);
    const aliceInits = upstreamInits() - before;
    expect(aliceInits).toBe(1);
    expect(upstreamSessionsOfCalls('pool-alice-')).toBe(1);
    const bob = await as('bob');
    expect(text(await bob.callTool({ name: 'echo', arguments: { message: 'pool-bob' } }))).toBe('gen1: pool-bob');
    expect(upstreamInits() - before).toBe(2);
    const bobSessions = new Set(remote.requests.filter((r) => JSON.stringify(r.body ?? {}).includes('pool-bob')).map((r) => String(r.headers['mcp-session-id'])));
    const aliceSessions = new Set(remote.requests.filter((r) => JSON.stringify(r.body ?? {}).includes('pool-alice-')).map((r) => String(r.headers['mcp-session-id'])));
    expect([...bobSessions].some((s) => aliceSessions.has(s))).toBe(false);
    // Anonymous requests cannot be told apart: each opens (and closes) its own.
    const anonymous = await as(undefined);
    await anonymous.callTool({ name: 'echo', arguments: { message: 'pool-anon-1' } });
    await anonymous.callTool({ name: 'echo', arguments: { message: 'pool-anon-2' } });
    expect(upstreamSessionsOfCalls('pool-anon-')).toBe(2);
  });

  it('a kept session never outlives a policy change: a member that now refuses the consumer refuses its next request', async () => {
    await addMcpServer(gw, { name: 'gate', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} } });
    await addMcpServer(gw, { name: 'gated', backend: { kind: 'bundle', members: ['gate'], separator: '__', prefix: 'always' } });
    const alice = await connectModernMcp(gw, 'gated', { headers: { 'x-api-key': keys.alice! } });
    open.push(alice);
    expect(text(await alice.callTool({ name: 'gate__echo', arguments: { message: 'before' } }))).toBe('gen1: before');
    const version = gw.snapshots.current()!.version;
    gw.registry.mcpServers.update({ name: 'gate', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} }, access: { consumers: ['bob'] } }, 'cli');
    await waitFor(() => gw.snapshots.current()!.version > version, 'the policy change to be served');
    await expect(alice.callTool({ name: 'gate__echo', arguments: { message: 'after' } })).rejects.toThrow();
    expect(remote.requests.some((r) => JSON.stringify(r.body ?? {}).includes('"after"'))).toBe(false);
  });
});
