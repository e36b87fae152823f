import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { startLoopProbe } from '../../../helpers/loop-probe.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';
import { startFakeUpstream, type FakeUpstream } from '../../../servers/shared/fake-upstream.js';

// A consumer sets its own {{.config.X}} values at /mcp/<name>/settings, authenticated as for the MCP endpoint:
// the safe form of Higress's x-higress-mcpserver-config (a header any client may send, docs/security.md).
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;
const ALICE_VALUE = 'alice-own-key-5f1c';
const BOB_VALUE = 'bob-own-key-9e2d';

function restConfig(name: string) {
  return {
    server: { name, config: { apiKey: '', region: '' } },
    tools: [{ name: 'now', description: 'd', args: [], requestTemplate: { url: 'https://api.w.example/now', method: 'GET', headers: [{ key: 'X-Api-Key', value: '{{.config.apiKey}}' }] }, responseTemplate: { body: '{{.seen}}' } }],
  };
}

describe('self-service consumer settings: PUT/GET/DELETE /mcp/<name>/settings', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    // The loopback upstream echoes the key it received, so each call shows whose value was used.
    upstream = await startFakeUpstream((req) => ({ body: JSON.stringify({ seen: req.headers['x-api-key'] ?? 'none' }) }));
    const rest = (name: string, selfService?: string[]) => ({
      kind: 'rest' as const,
      config: restConfig(name),
      settings: { apiKey: 'shared-key' },
      secretSettings: {},
      originOverrides: { 'https://api.w.example': upstream.origin },
      ...(selfService && { selfServiceSettings: selfService }),
    });
    await addMcpServer(gw, { name: 'weather', backend: rest('weather', ['apiKey']) });
    await addMcpServer(gw, { name: 'closed', backend: rest('closed') });
    // A server named "settings": its MCP endpoint is /mcp/settings, its settings /mcp/settings/settings.
    await addMcpServer(gw, { name: 'settings', backend: rest('settings', ['apiKey']) });
    await addMcpServer(gw, { name: 'both', backend: { kind: 'bundle', members: ['weather'], separator: '___', prefix: 'always' } });
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
    await upstream?.close();
  });

  function settings(server: string, init: { as?: string; key?: string; method?: string; body?: string; query?: string; type?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    const key = init.key ?? (init.as ? keys[init.as] : undefined);
    if (key) headers['x-api-key'] = key;
    if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
    return fetch(`${gw.url}/mcp/${server}/settings${init.query ? `?${init.query}` : ''}`, { method: init.method ?? 'GET', headers, body: init.body });
  }
  const put = (as: string, values: unknown, server = 'weather') => settings(server, { as, method: 'PUT', body: JSON.stringify(values) });
  const served = () => waitFor(() => gw.snapshots.current()!.version >= gw.registry.version(), 'the snapshot with the change');
  async function call(consumer?: string, server = 'weather'): Promise<string> {
    const c = await connectMcp(gw, server, consumer ? { headers: { 'x-api-key': keys[consumer]! } } : {});
    clients.push(c);
    return text(await c.callTool({ name: 'now', arguments: {} }));
  }

  it('each consumer sets its own value; the upstream sees each consumer\'s own, two at once', async () => {
    const [a, b] = await Promise.all([put('alice', { apiKey: ALICE_VALUE }), put('bob', { apiKey: BOB_VALUE })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const body = await a.json();
    expect(body).toMatchObject({ server: 'weather', consumer: 'alice', selfService: ['apiKey'], settings: [{ key: 'apiKey', setBy: 'consumer alice' }] });
    expect(JSON.stringify(body)).not.toContain(ALICE_VALUE);
    await served();
    const seen = await Promise.all([call('alice'), call('bob'), call('carol'), call(), call('alice'), call('bob')]);
    expect(seen).toEqual([ALICE_VALUE, BOB_VALUE, 'shared-key', 'shared-key', ALICE_VALUE, BOB_VALUE]);
  });

  it('GET lists the caller\'s own names only, never a value', async () => {
    const [a, b, c] = await Promise.all([settings('weather', { as: 'alice' }), settings('weather', { as: 'bob' }), settings('weather', { as: 'carol' })]);
    const [alice, bob, carol] = await Promise.all([a.text(), b.text(), c.text()]);
    expect(a.status).toBe(200);
    expect(a.headers.get('cache-control')).toBe('no-store');
    for (const t of [alice, bob, carol]) for (const v of [ALICE_VALUE, BOB_VALUE]) expect(t).not.toContain(v);
    expect(JSON.parse(alice)).toMatchObject({ consumer: 'alice', settings: [{ key: 'apiKey', setBy: 'consumer alice' }] });
    expect(JSON.parse(bob).consumer).toBe('bob');
    expect(JSON.parse(carol).settings).toEqual([]);
    expect(Date.parse(JSON.parse(alice).settings[0].setAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('bob cannot name another consumer: a consumer parameter is ignored, alice keeps her value', async () => {
    const del = await settings('weather', { as: 'bob', method: 'DELETE', query: 'consumer=alice' });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ consumer: 'bob', removed: ['apiKey'], settings: [] });
    const over = await settings('weather', { as: 'bob', method: 'PUT', query: 'consumer=alice', body: JSON.stringify({ apiKey: 'bob-again' }) });
    expect(over.status).toBe(200);
    await served();
    expect(await call('alice')).toBe(ALICE_VALUE);
    expect(await call('bob')).toBe('bob-again');
    const one = await settings('weather', { as: 'bob', method: 'DELETE', query: 'key=apiKey' });
    expect(await one.json()).toMatchObject({ removed: ['apiKey'], settings: [] });
    await served();
    expect(await call('bob')).toBe('shared-key');
    expect(await call('alice')).toBe(ALICE_VALUE);
  });

  it.each([
    ['no credential', { method: 'PUT', body: '{"apiKey":"x"}' }, 401, 'GW_ERR_AUTH_MISSING', /Credentials are required/],
    ['a wrong key', { key: 'agate_nosuchkey', method: 'PUT', body: '{"apiKey":"x"}' }, 401, 'GW_ERR_AUTH_INVALID', /invalid/],
    ['an undeclared key', { as: 'dave', method: 'PUT', body: '{"cityCode":"1"}' }, 400, 'GW_ERR_SETTINGS_INVALID', /weather has no setting "cityCode" \(its config has: apiKey, region\)/],
    ['a declared key not open to consumers', { as: 'dave', method: 'PUT', body: '{"region":"eu"}' }, 403, 'GW_ERR_SETTINGS_NOT_SELF_SERVICE', /weather does not let its consumers set "region"/],
    ['an array', { as: 'dave', method: 'PUT', body: '["apiKey"]' }, 400, 'GW_ERR_SETTINGS_INVALID', /must be a JSON object .* not an array/],
    ['a number value', { as: 'dave', method: 'PUT', body: '{"apiKey":5}' }, 400, 'GW_ERR_SETTINGS_INVALID', /"apiKey": must be a string, not a number/],
    ['an object value', { as: 'dave', method: 'PUT', body: '{"apiKey":{"a":1}}' }, 400, 'GW_ERR_SETTINGS_INVALID', /"apiKey": must be a string, not an object/],
    ['not JSON', { as: 'dave', method: 'PUT', body: '{apiKey:' }, 400, 'GW_ERR_SETTINGS_INVALID', /the body is not JSON/],
    ['an empty object', { as: 'dave', method: 'PUT', body: '{}' }, 400, 'GW_ERR_SETTINGS_INVALID', /names no setting/],
    ['a form body', { as: 'dave', method: 'PUT', body: 'apiKey=x', type: 'application/x-www-form-urlencoded' }, 415, 'GW_ERR_MCP_MEDIA_TYPE', /application\/json/],
    ['a body over 64 KiB', { as: 'dave', method: 'PUT', body: JSON.stringify({ apiKey: 'x'.repeat(70_000) }) }, 413, 'GW_ERR_MCP_BODY_TOO_LARGE', /65536/],
    ['PATCH', { as: 'dave', method: 'PATCH', body: '{"apiKey":"x"}' }, 405, 'GW_ERR_MCP_METHOD_NOT_ALLOWED', /PATCH/],
  ])('refuses %s with a clear error', async (_what, init, status, code, message) => {
    const r = await settings('weather', init);
    expect(r.status).toBe(status);
    const body = await r.json();
    expect(body.error.data.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });

  it.each([
    ['a server that does not list the key', 'closed', 403, /closed does not let its consumers set "apiKey"/],
    ['a bundle', 'both', 403, /both does not let its consumers set settings \(only REST servers take them\)/],
    ['a server that does not exist', 'nosuch', 404, /No MCP server named nosuch/],
  ])('refuses a PUT to %s', async (_what, server, status, message) => {
    const r = await put('erin', { apiKey: 'x' }, server);
    expect(r.status).toBe(status);
    expect((await r.json()).error.message).toMatch(message);
  });

  it('a batch with one bad key changes nothing', async () => {
    expect((await put('frank', { apiKey: 'frank-1' })).status).toBe(200);
    const bad = await put('frank', { apiKey: 'frank-2', cityCode: '1' });
    expect(bad.status).toBe(400);
    const closed = await put('frank', { apiKey: 'frank-3', region: 'eu' });
    expect(closed.status).toBe(403);
    await served();
    expect(await call('frank')).toBe('frank-1');
  });

  it('a server named "settings" keeps its MCP endpoint; its settings live one level down', async () => {
    const r = await put('alice', { apiKey: 'alice-on-settings' }, 'settings');
    expect(r.status).toBe(200);
    await served();
    expect(await call('alice', 'settings')).toBe('alice-on-settings');
    expect(await call('alice', 'weather')).toBe(ALICE_VALUE);
  });

  it('the admin sees the names the consumer set; values appear in no log, CLI output, admin answer or metric', async () => {
    const list = await runCli(['consumer', 'settings', 'list', 'alice'], gw.dbPath);
    expect(list.stdout).toMatch(/weather\s+apiKey\s+\*{8}\s+consumer alice\s+20\d\d-/);
    const json = await runCli(['consumer', 'settings', 'list', 'alice', '--json'], gw.dbPath);
    expect(JSON.parse(json.stdout)).toContainEqual(expect.objectContaining({ server: 'weather', key: 'apiKey', value: '********', setBy: 'consumer alice' }));
    const admin = (path: string) => fetch(`${gw.adminUrl}${path}`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } }).then((r) => r.text());
    const audit = JSON.parse(await admin('/audit?limit=1000')).items as Array<Record<string, unknown>>;
    expect(audit).toContainEqual(expect.objectContaining({ interface: 'data-plane', entity: 'consumer', name: 'alice', actor: 'consumer alice', address: '127.0.0.1' }));
    const outputs = [list.stdout, list.stderr, json.stdout, await admin('/consumers/alice'), await admin('/consumers'), JSON.stringify(audit), await admin('/metrics'), JSON.stringify(gw.logs)];
    for (const out of outputs) for (const v of [ALICE_VALUE, BOB_VALUE, 'frank-1']) expect(out).not.toContain(v);
  });

  it('a deeply nested 64 KiB body is refused without stalling the event loop', async () => {
    const deep = '['.repeat(32_000) + ']'.repeat(32_000);
    const probe = startLoopProbe();
    const answers = await Promise.all(Array.from({ length: 8 }, () => settings('weather', { as: 'carol', method: 'PUT', body: deep })));
    const stall = probe.stop();
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(400));
    expect((await answers[0]!.json()).error.message).toMatch(/nests arrays or objects/);
    expect(stall).toBeLessThan(100);
  });

  it('is rate limited per consumer (429 with Retry-After), other consumers unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await settings('weather', { as: 'carol' })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await settings('weather', { as: 'carol' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await settings('weather', { as: 'alice' })).status).toBe(200);
  });
});
