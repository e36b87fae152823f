import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

// Hostile input for the per-message chain: an anonymous client firing hundreds of calls at once through a bundle
// at members that refuse it (consumer list, exhausted limit, hidden tool). Each must get its refusal, and the
// gateway must keep answering others meanwhile.
describe('a flood of refused calls through a bundle', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]) } });
    gw.registry.consumers.store.create({ name: 'alice', groups: [] }, 'cli');
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
    let flooding = true;
    const probes: number[] = [];
    const probe = (async () => {
      while (flooding) {
        const t = performance.now();
        const res = await fetch(`${gw.adminUrl}/healthz`);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        probes.push(performance.now() - t);
      }
    })();
    const refused = await flood(calls);
    flooding = false;
    await probe;

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
});
