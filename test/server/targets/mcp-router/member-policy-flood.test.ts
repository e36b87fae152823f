import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';
import { startHealthzProbe } from '../../../helpers/loop-probe.js';

// Hostile input for the per-message chain: an anonymous client firing hundreds of calls at once through a bundle
// at members that refuse it (consumer list, exhausted limit, hidden tool). Each must get its refusal, and the
// gateway must keep answering others meanwhile.
describe('members that refuse a consumer, under load and at rest', () => {
  let gw: TestGateway;
  const sealed: FixtureControl = { down: false, created: 0, cancelled: 0 };
  let aliceKey: string;

  beforeAll(async () => {
    const defs = new Map([
      ['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })],
      ['sealed-fixture', fixtureServer('sealed-fixture', sealed)],
    ]);
    gw = await startTestGateway({ gateway: { hostedServers: defs } });
    gw.registry.consumers.store.create({ name: 'alice', groups: [] }, 'cli');
    aliceKey = gw.registry.consumers.issueKey('alice', 'cli').key;
    const fixture = { kind: 'hosted' as const, server: 'fixture', settings: {}, secretSettings: {} };
    await addMcpServer(gw, { name: 'closed', backend: fixture, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'scarce', backend: fixture, access: { allowTools: ['echo'] }, rateLimit: { perConsumer: { requests: 1, windowSeconds: 3600 } } });
    await addMcpServer(gw, { name: 'open', backend: fixture });
    await addMcpServer(gw, { name: 'all-in-one', backend: { kind: 'bundle', members: ['closed', 'scarce', 'open'], separator: '___', prefix: 'always' } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers every call with its refusal, no slower than allowed calls, while /healthz keeps answering', async () => {
    const client = await connectMcp(gw, 'all-in-one');
    await client.callTool({ name: 'scarce___echo', arguments: { text: 'first' } });
    // Baseline in the same run: as many calls that pass every check and are relayed to a member.
    const flood = async (names: readonly string[]) => {
      const t = performance.now();
      const outcomes = await Promise.all(names.map((name) => client.callTool({ name, arguments: { text: 'x' } }).then(() => undefined, (e: unknown) => e)));
      return { outcomes, ms: performance.now() - t };
    };
    const baseline = await flood(Array.from({ length: 200 }, () => 'open___echo'));
    expect(baseline.outcomes.every((o) => o === undefined)).toBe(true);

    const expected = { 'closed___echo': 'GW_ERR_AUTH_MISSING', 'scarce___echo': 'GW_ERR_RATE_LIMITED', 'scarce___fail': 'GW_ERR_MCP_UNKNOWN_TOOL' } as const;
    const names = Object.keys(expected) as Array<keyof typeof expected>;
    const calls = Array.from({ length: 200 }, (_, i) => names[i % names.length]!);
    const probe = startHealthzProbe(gw.adminUrl);
    const refused = await flood(calls);
    const probes = await probe.stop();

    refused.outcomes.forEach((err, i) => {
      expect(err).toBeInstanceOf(McpError);
      expect((err as McpError).data).toMatchObject({ code: expected[calls[i]!] });
    });
    // The loop kept serving another client all along (a stalled loop answers the probe once, at the end)...
    expect(probes.length).toBeGreaterThanOrEqual(5);
    expect(probes.sort((a, b) => a - b)[probes.length >> 1]).toBeLessThan(250);
    // ...and refusing costs no more than relaying (measured ~0.8x; 2x leaves room for a shared machine).
    expect(refused.ms).toBeLessThan(baseline.ms * 2);
    await client.close();
  });

  it('never opens an upstream session of a member for a consumer it refuses', async () => {
    const backend = { kind: 'hosted' as const, server: 'sealed-fixture', settings: {}, secretSettings: {} };
    await addMcpServer(gw, { name: 'sealed', backend, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'pair', backend: { kind: 'bundle', members: ['sealed', 'open'], separator: '___', prefix: 'always' } });
    // alice's session teaches the gateway what `sealed` is, so later sessions initialize without opening it.
    const alice = await connectMcp(gw, 'pair', { headers: { authorization: `Bearer ${aliceKey}` } });
    expect((await alice.callTool({ name: 'sealed___echo', arguments: { text: 'a' } })).content).toEqual([{ type: 'text', text: 'echo:a' }]);
    await alice.close();
    const before = sealed.sessions;
    expect(before).toBeGreaterThan(0);
    const anonymous = await connectMcp(gw, 'pair', { transport: 'sse' });
    expect((await anonymous.listTools()).tools.map((t) => t.name)).toContain('open___echo');
    await anonymous.listResources();
    await anonymous.listPrompts();
    const err = await anonymous.callTool({ name: 'sealed___echo', arguments: { text: 'b' } }).then(() => undefined, (e: unknown) => e);
    expect((err as McpError).data).toMatchObject({ code: 'GW_ERR_AUTH_MISSING', server: 'sealed' });
    expect(sealed.sessions).toBe(before);
    await anonymous.close();
  });

  it('does not open it either when the refused consumer’s session is the first to reach the member', async () => {
    const backend = { kind: 'hosted' as const, server: 'sealed-fixture', settings: {}, secretSettings: {} };
    await addMcpServer(gw, { name: 'sealed-first', backend, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'pair-first', backend: { kind: 'bundle', members: ['sealed-first', 'open'], separator: '___', prefix: 'always' } });
    const before = sealed.sessions ?? 0;
    const anonymous = await connectMcp(gw, 'pair-first');
    expect((await anonymous.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['open___echo']));
    const err = await anonymous.callTool({ name: 'sealed-first___echo', arguments: { text: 'b' } }).then(() => undefined, (e: unknown) => e);
    expect((err as McpError).data).toMatchObject({ code: 'GW_ERR_AUTH_MISSING', server: 'sealed-first' });
    expect(sealed.sessions ?? 0).toBe(before);
    await anonymous.close();
  });
});
