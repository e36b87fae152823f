import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { seedFirstStart } from '../../../../cli/seed.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { connectMcp } from '../../../helpers/mcp.js';
import { tempDir } from '../../../helpers/temp-dir.js';

// The issue's report, on the registry a first start really seeds: `time` limited to consumer alice with a tool
// rate limit of 2/s was callable anonymously and without limit through the seeded `all-in-one` bundle.
describe('the seeded all-in-one bundle obeys its members’ policy', () => {
  const tmp = tempDir();
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    const dbPath = join(tmp.dir, 'agate.db');
    expect(seedFirstStart(dbPath, undefined)).toEqual([expect.stringContaining('all-in-one')]);
    gw = await startTestGateway({ dbPath });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    const time = gw.registry.mcpServers.get('time')!;
    // What `agate mcp add time … --consumer alice --tool-rate-limit 2/s --replace` stores.
    gw.registry.mcpServers.update({ ...time, access: { consumers: ['alice'] }, rateLimit: { perTool: { requests: 2, windowSeconds: 1 } } }, 'cli');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('time')?.policy.consumers, 'the policy to be served');
  });
  afterAll(async () => {
    await gw?.stop();
    tmp.cleanup();
  });

  const client = (who: 'alice' | 'bob' | 'anonymous', transport: 'streamable-http' | 'sse' = 'streamable-http') =>
    connectMcp(gw, 'all-in-one', { transport, headers: who === 'anonymous' ? {} : { authorization: `Bearer ${keys[who]}` } });
  const call = (c: Awaited<ReturnType<typeof client>>) => c.callTool({ name: 'time___get-current-time', arguments: { timeZone: 'UTC' } });

  it.each([
    ['anonymous', 'GW_ERR_AUTH_MISSING'],
    ['bob', 'GW_ERR_AUTH_FORBIDDEN'],
  ] as const)('%s neither sees nor calls time___get-current-time', async (who, code) => {
    const c = await client(who, 'sse');
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.startsWith('time___'))).toEqual([]);
    expect(names.some((n) => n.startsWith('quark-search___'))).toBe(true);
    const err = await call(c).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).data).toMatchObject({ code, server: 'time' });
    await c.close();
  });

  it('alice calls it within 2/s; a burst beyond is refused with the retry delay', async () => {
    const c = await client('alice');
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('time___get-current-time');
    // Four at once: the bucket holds two and refills one per 500 ms, so at least one of them is refused.
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => call(c).then((r) => r, (e: unknown) => e)));
    const refused = outcomes.filter((o): o is McpError => o instanceof McpError);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(outcomes.length - refused.length).toBeGreaterThanOrEqual(2);
    for (const err of refused) {
      expect(err.data).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', server: 'time' });
      expect((err.data as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(500);
    }
    await c.close();
  });
});
