import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { META, MODERN, connectModernMcp, modernPost } from '../../../../helpers/mcp-modern.js';
import { MODERN_MEMBER_INSTRUCTIONS, startModernMember, type ModernMember } from '../../../../helpers/modern-member.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

// Clients of both eras reaching a modern-only member (a v2 SDK server that rejects 2025 traffic), alone and in a
// bundle beside a 2025 member. The expected tools and results are the fixture's definitions (modern-member.ts).

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });
const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;
/** What alice may see at `nova` (`add` is hers only) and what bob may. */
const ALICE_TOOLS = ['add', 'ask', 'echo', 'hang', 'interview', 'linger', 'pester', 'slow'];
const BOB_TOOLS = ['ask', 'echo', 'hang', 'interview', 'linger', 'pester', 'slow'];

describe('a 2026-only member behind agate', () => {
  let gw: TestGateway;
  let member: ModernMember;
  let legacy: RemoteMcpUpstream;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    member = await startModernMember();
    legacy = await startRemoteMcpUpstream(1, 0, { jsonResponse: true });
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'nova', backend: remote(member.url), access: { tools: { add: ['alice'] } } });
    await addMcpServer(gw, { name: 'far', backend: remote(legacy.url) });
    await addMcpServer(gw, { name: 'mixed', backend: { kind: 'bundle', members: ['far', 'nova'], separator: '__', prefix: 'always' } });
    await waitFor(() => gw.registry.memberEras.get('nova')?.era === 'modern', 'the member learnt as modern');
    await waitFor(() => gw.registry.memberEras.get('far')?.era === 'legacy', 'the other learnt as legacy');
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await Promise.all([member?.close(), legacy?.close()]);
  });

  async function legacyClient(server: string, who: string): Promise<Client> {
    const c = await connectMcp(gw, server, { headers: { 'x-api-key': keys[who]! } });
    open.push(c);
    return c;
  }

  const calls = (tool: string) => member.requests.filter((r) => r.method === 'tools/call' && r.params?.name === tool);

  it('2025 clients (alice, bob at once) list and call it: its tools with policy applied, results relayed, never an initialize', async () => {
    const [a, b] = await Promise.all([legacyClient('nova', 'alice'), legacyClient('nova', 'bob')]);
    expect(a.getInstructions()).toBe(MODERN_MEMBER_INSTRUCTIONS);
    const [aTools, bTools] = await Promise.all([a.listTools(), b.listTools()]);
    expect(aTools.tools.map((t) => t.name).sort()).toEqual(ALICE_TOOLS);
    expect(bTools.tools.map((t) => t.name).sort()).toEqual(BOB_TOOLS);
    const results = await Promise.all([
      a.callTool({ name: 'echo', arguments: { message: 'from alice' } }),
      b.callTool({ name: 'echo', arguments: { message: 'from bob' } }),
      a.callTool({ name: 'add', arguments: { a: 2, b: 40 } }),
    ]);
    expect(results.map(text)).toEqual(['modern: from alice', 'modern: from bob', '42']);
    // bob may not call alice's tool: refused by agate, never sent.
    const refused = await b.callTool({ name: 'add', arguments: { a: 1, b: 1 } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeDefined();
    expect(calls('add')).toHaveLength(1);
    expect(member.requests.map((r) => r.method)).not.toContain('initialize');
    // Each call went statelessly: the 2026 envelope in _meta, the headers mirroring the body.
    for (const seen of calls('echo')) {
      expect(seen.params?._meta?.[META.protocolVersion]).toBe(MODERN);
      expect(seen.params?._meta?.[META.clientCapabilities]).toBeTypeOf('object');
      expect(seen.params?._meta?.[META.clientInfo]).toMatchObject({ name: expect.any(String) });
      expect(seen).toMatchObject({ protocolVersionHeader: MODERN, mcpMethodHeader: 'tools/call', mcpNameHeader: 'echo' });
    }
    expect(member.requests.filter((r) => r.method === 'server/discover').length).toBeGreaterThan(0);
  });

  it('a bundle mixing a 2025 and a 2026 member serves both to 2025 clients, names prefixed', async () => {
    const [a, b] = await Promise.all([legacyClient('mixed', 'alice'), legacyClient('mixed', 'bob')]);
    const names = (await a.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['far__echo', ...ALICE_TOOLS.map((t) => `nova__${t}`)]));
    expect((await b.listTools()).tools.map((t) => t.name)).not.toContain('nova__add');
    const results = await Promise.all([
      a.callTool({ name: 'nova__echo', arguments: { message: 'a' } }),
      b.callTool({ name: 'nova__echo', arguments: { message: 'b' } }),
      a.callTool({ name: 'far__echo', arguments: { message: 'a' } }),
    ]);
    expect(results.map(text)).toEqual(['modern: a', 'modern: b', 'gen1: a']);
    expect(member.requests.map((r) => r.method)).not.toContain('initialize');
  });

  it('a 2026 client (the v2 SDK, pinned) reaches it through the endpoint and the bundle, names and policy applied', async () => {
    const [direct, bundled] = await Promise.all([
      connectModernMcp(gw, 'nova', { headers: { 'x-api-key': keys.bob! } }),
      connectModernMcp(gw, 'mixed', { headers: { 'x-api-key': keys.alice! } }),
    ]);
    open.push(direct, bundled);
    expect((await direct.listTools()).tools.map((t) => t.name).sort()).toEqual(BOB_TOOLS);
    expect((await bundled.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['far__echo', 'nova__add']));
    const results = await Promise.all([
      direct.callTool({ name: 'echo', arguments: { message: 'modern bob' } }),
      bundled.callTool({ name: 'nova__add', arguments: { a: 20, b: 22 } }),
      bundled.callTool({ name: 'far__echo', arguments: { message: 'modern alice' } }),
    ]);
    expect(results.map(text)).toEqual(['modern: modern bob', '42', 'gen1: modern alice']);
    expect(member.requests.map((r) => r.method)).not.toContain('initialize');
    // Caching hints are agate's: bob's listing depends on who asks (a per-tool consumer list), so it is private.
    const raw = await modernPost(gw, 'nova', { method: 'tools/list' }, { 'x-api-key': keys.bob! });
    expect(raw.status).toBe(200);
    expect(raw.json.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', ttlMs: expect.any(Number) });
    expect(raw.json.result.tools.map((t: { name: string }) => t.name).sort()).toEqual(BOB_TOOLS);
  });

  it('resources and prompts of the member reach 2025 clients (alone and in the bundle, URIs and names as for any member)', async () => {
    const [a, b] = await Promise.all([legacyClient('nova', 'alice'), legacyClient('mixed', 'bob')]);
    expect((await a.listResources()).resources.map((r) => r.uri)).toEqual(['modern://greeting']);
    expect((await a.readResource({ uri: 'modern://greeting' })).contents).toEqual([{ uri: 'modern://greeting', text: 'hello from 2026' }]);
    expect((await a.listPrompts()).prompts.map((p) => p.name).sort()).toEqual(['hello', 'introduce']);
    const prompt = await a.getPrompt({ name: 'hello', arguments: { name: 'alice' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Say hello to alice' });
    const bundled = (await b.listResources()).resources.find((r) => r.name === 'greeting' || r.uri.endsWith('greeting'));
    expect(bundled).toBeDefined();
    expect((await b.readResource({ uri: bundled!.uri })).contents[0]).toMatchObject({ text: 'hello from 2026' });
    expect((await b.listPrompts()).prompts.map((p) => p.name)).toContain('nova__hello');
    const bundledPrompt = await b.getPrompt({ name: 'nova__hello', arguments: { name: 'bob' } });
    expect(bundledPrompt.messages[0]?.content).toEqual({ type: 'text', text: 'Say hello to bob' });
    for (const seen of member.requests.filter((r) => r.method === 'resources/read' || r.method === 'prompts/get')) {
      expect(seen.params?._meta?.[META.protocolVersion]).toBe(MODERN);
      expect(seen.mcpNameHeader).toBe(seen.params?.uri ?? seen.params?.name);
    }
  });

  it('progress notifications of a call cross to the 2025 client that asked for them, not to another', async () => {
    const [a, b] = await Promise.all([legacyClient('nova', 'alice'), legacyClient('nova', 'bob')]);
    const seen: Record<string, number[]> = { alice: [], bob: [] };
    const [ra, rb] = await Promise.all([
      a.callTool({ name: 'slow', arguments: { steps: 3 } }, undefined, { onprogress: (p) => seen.alice!.push(p.progress) }),
      b.callTool({ name: 'slow', arguments: { steps: 2 } }, undefined, { onprogress: (p) => seen.bob!.push(p.progress) }),
    ]);
    expect([text(ra), text(rb)]).toEqual(['done 3', 'done 2']);
    expect(seen).toEqual({ alice: [1, 2, 3], bob: [1, 2] });
  });

  it('a 2025 client cancelling a call closes the member’s stream of it (2026 cancellation); the other client’s call goes on', async () => {
    const [a, b] = await Promise.all([legacyClient('nova', 'alice'), legacyClient('nova', 'bob')]);
    const stop = new AbortController();
    const cancelled = a.callTool({ name: 'hang', arguments: { tag: 'alice' } }, undefined, { signal: stop.signal }).catch((e: unknown) => e);
    const other = b.callTool({ name: 'slow', arguments: { steps: 1 } });
    await waitFor(() => calls('hang').length === 1, 'the member received the call');
    stop.abort('user gave up');
    await waitFor(() => (member.aborted.includes('alice') ? true : undefined), 'the member saw the call cancelled');
    expect(await cancelled).toBeInstanceOf(Error);
    expect(text(await other)).toBe('done 1');
    expect(member.aborted).toEqual(['alice']);
  });

  it('a member asking a client that declared no elicitation (MRTR): the member’s own -32021 reaches the client, in either era', async () => {
    const failure = (p: Promise<unknown>) => p.then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string; data?: { code?: string; server?: string } },
    );
    // The bridge itself (a client that can answer) is modern-member-mrtr.test.ts's. Clients that declared no
    // elicitation: the member's own refusal (its 400 with a JSON-RPC error body) reaches them as it is.
    const plain = await legacyClient('nova', 'bob');
    const refusal = await failure(plain.callTool({ name: 'ask', arguments: {} }));
    const modern = await connectModernMcp(gw, 'nova', { headers: { 'x-api-key': keys.bob! } });
    open.push(modern);
    const modernRefusal = await failure(modern.callTool({ name: 'ask', arguments: {} }));
    // -32021 MissingRequiredClientCapability with data.requiredCapabilities (2026-07-28 basic/index.mdx §Error codes).
    for (const e of [refusal, modernRefusal]) expect(e).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: expect.any(Object) } } });
    // Each session's capabilities went with its own requests only: none declared elicitation.
    const asks = calls('ask').map((r) => r.params?._meta?.[META.clientCapabilities]);
    expect(asks).toHaveLength(2);
    expect(asks.filter((caps) => caps?.elicitation !== undefined)).toHaveLength(0);
  });
});
