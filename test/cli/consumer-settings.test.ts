import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../helpers/mcp.js';
import { startFakeUpstream, type FakeUpstream } from '../servers/shared/fake-upstream.js';

// Higress lets any client bring its own server config in `x-higress-mcpserver-config`; agate's safe form:
// the admin stores settings per consumer (encrypted), and only that consumer's calls use them.
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

describe('agate consumer settings: per-consumer {{.config.X}} values', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startFakeUpstream((req) => ({ body: JSON.stringify({ seen: req.headers['x-api-key'] ?? 'none' }) }));
    const config = {
      server: { name: 'weather', config: { apiKey: '' } },
      tools: [{ name: 'now', description: 'd', args: [], requestTemplate: { url: 'https://api.w.example/now', method: 'GET', headers: [{ key: 'X-Api-Key', value: '{{.config.apiKey}}' }] }, responseTemplate: { body: '{{.seen}}' } }],
    };
    await addMcpServer(gw, { name: 'weather', backend: { kind: 'rest', config, settings: { apiKey: 'shared-key' }, secretSettings: {}, originOverrides: { 'https://api.w.example': upstream.origin } } });
    for (const name of ['alice', 'bob', 'carol']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
    await upstream?.close();
  });

  async function as(consumer?: string): Promise<Client> {
    const c = await connectMcp(gw, 'weather', consumer ? { headers: { 'x-api-key': keys[consumer]! } } : {});
    clients.push(c);
    return c;
  }

  it('sets, lists (masked) and stores the values encrypted', async () => {
    const version = gw.registry.version();
    for (const [who, value] of [['alice', 'alice-secret-1'], ['bob', 'bob-secret-2']]) {
      const r = await runCli(['consumer', 'settings', 'set', who!, 'weather', `apiKey=${value}`], gw.dbPath);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const list = await runCli(['consumer', 'settings', 'list', 'alice'], gw.dbPath);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/weather\s+apiKey\s+\*{8}/);
    expect(list.stdout).not.toContain('alice-secret-1');
    await waitFor(() => gw.registry.version() > version, 'the settings to be written');
    gw.registry.db.pragma('wal_checkpoint(TRUNCATE)');
    const raw = readFileSync(gw.dbPath).toString('latin1');
    expect(raw).not.toContain('alice-secret-1');
    expect(raw).not.toContain('bob-secret-2');
  });

  // Sessions keep the snapshot they opened under; a new session after the swap sees the change.
  const served = (): Promise<unknown> => waitFor(() => gw.snapshots.current()!.version >= gw.registry.version(), 'the snapshot with the change');

  it('uses each consumer\'s own value for its calls only, two consumers calling at once', async () => {
    await served();
    const [alice, bob, carol, anonymous] = await Promise.all([as('alice'), as('bob'), as('carol'), as()]);
    const who = [alice, bob, carol, anonymous, alice, bob];
    const seen = await Promise.all(who.map((c) => c!.callTool({ name: 'now', arguments: {} }).then(text)));
    expect(seen).toEqual(['alice-secret-1', 'bob-secret-2', 'shared-key', 'shared-key', 'alice-secret-1', 'bob-secret-2']);
  });

  it.each([
    [['consumer', 'settings', 'set', 'nobody', 'weather', 'apiKey=x'], /consumer "nobody" not found/],
    [['consumer', 'settings', 'set', 'alice', 'nosuch', 'apiKey=x'], /MCP server "nosuch" not found/],
    [['consumer', 'settings', 'set', 'alice', 'weather', 'apiKey'], /"apiKey": expected KEY=VALUE/],
    [['consumer', 'settings', 'set', 'alice', 'weather', 'cityCode=1'], /weather has no setting "cityCode" \(its config has: apiKey\)/],
  ])('refuses %j naming what is wrong', async (args, message) => {
    const r = await runCli(args, gw.dbPath);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('unset removes the value and the consumer falls back to the server setting', async () => {
    const r = await runCli(['consumer', 'settings', 'unset', 'bob', 'weather', 'apiKey'], gw.dbPath);
    expect(r.code).toBe(0);
    await served();
    expect(text(await (await as('bob')).callTool({ name: 'now', arguments: {} }))).toBe('shared-key');
    expect(text(await (await as('alice')).callTool({ name: 'now', arguments: {} }))).toBe('alice-secret-1');
  });

  it("removing a consumer removes its settings' secrets, and only its own", async () => {
    const settingSecrets = () => gw.registry.secrets.names().filter((n) => n.startsWith('consumer-setting.'));
    const r = await runCli(['consumer', 'settings', 'set', 'carol', 'weather', 'apiKey=carol-secret-3'], gw.dbPath);
    expect(r.code).toBe(0);
    expect(settingSecrets()).toHaveLength(2); // alice's and carol's (bob's was unset)
    const rm = await runCli(['consumer', 'remove', 'alice'], gw.dbPath);
    expect(rm.code).toBe(0);
    const left = settingSecrets();
    expect(left).toHaveLength(1);
    expect(gw.registry.consumers.store.get('carol')!.mcpSettings?.weather?.apiKey).toBe(left[0]);
  });
});
