import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { connectMcp } from '../../../helpers/mcp.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { startFakeUpstream, type FakeUpstream } from '../../../servers/shared/fake-upstream.js';

// Issue #18: a Higress config may read `{{.config.X}}` without declaring X in `server.config` (Higress's hackmd
// config does so with accessToken). No config of /work/shared/compat does, so this one is the corpus's Brave
// Search config (mcp-bravesearch.yaml, its `X-Subscription-Token: {{.config.apiKey}}` header) with its
// `server.config` declaration taken out: apiKey is then only referenced. Such a key must count as a setting for
// the admin (`agate mcp add --setting/--self-service-setting`), per-consumer settings (`agate consumer settings
// set`) and self-service settings (`PUT /mcp/<name>/settings`), and each consumer's calls use its own value.

const CORPUS = '/work/shared/compat/higress-mcp-servers/mcp-bravesearch.yaml';
const DECLARATION = '  config:\n    apiKey: ""\n';
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

describe('settings a REST config only references ({{.config.X}} without server.config)', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let tmp: { dir: string; cleanup: () => void };
  let file: string;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    const original = readFileSync(CORPUS, 'utf8');
    expect(original).toContain(DECLARATION);
    tmp = tempDir();
    file = join(tmp.dir, 'brave.yaml');
    writeFileSync(file, original.replace(DECLARATION, ''));
    // The loopback Brave answers with one result whose title is the subscription token it received.
    upstream = await startFakeUpstream((req) => ({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ web: { results: [{ title: `token=${String(req.headers['x-subscription-token'] ?? 'none')}`, description: 'd', url: 'https://example.com' }] } }),
    }));
    gw = await startTestGateway();
    for (const name of ['alice', 'bob', 'carol']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
    await upstream?.close();
    tmp?.cleanup();
  });

  const served = () => waitFor(() => gw.snapshots.current()!.version >= gw.registry.version() && gw.snapshots.current()!.mcp.servers.has('brave'), 'the snapshot with the change');
  async function search(consumer: string): Promise<string> {
    const c = await connectMcp(gw, 'brave', { headers: { 'x-api-key': keys[consumer]! } });
    clients.push(c);
    return text(await c.callTool({ name: 'brave_web_search', arguments: { q: `from ${consumer}` } }));
  }

  it('the admin sets it and opens it to consumers: agate mcp add --secret apiKey=… --self-service-setting apiKey', async () => {
    const add = await runCli(['mcp', 'add', 'brave', file, '--secret', 'apiKey=shared-key-71', '--self-service-setting', 'apiKey', '--override-origin', `https://api.search.brave.com=${upstream.origin}`], gw.dbPath);
    expect(add.stderr).not.toMatch(/^error/m);
    expect(add.code).toBe(0);
    await served();
    expect(await search('carol')).toContain('token=shared-key-71');
  });

  it('per consumer: the admin sets alice\'s value (agate consumer settings set), bob sets his own (PUT /mcp/brave/settings)', async () => {
    const set = await runCli(['consumer', 'settings', 'set', 'alice', 'brave', 'apiKey=alice-key-3c'], gw.dbPath);
    expect(set.stderr).not.toMatch(/^error/m);
    expect(set.code).toBe(0);
    const put = await fetch(`${gw.url}/mcp/brave/settings`, { method: 'PUT', headers: { 'x-api-key': keys.bob!, 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'bob-key-8d' }) });
    expect(await put.json()).toMatchObject({ server: 'brave', consumer: 'bob', selfService: ['apiKey'], settings: [{ key: 'apiKey', setBy: 'consumer bob' }] });
    expect(put.status).toBe(200);
    await served();
  });

  it('two consumers at once: each call uses its own consumer\'s value, a consumer without one the server\'s', async () => {
    const seen = await Promise.all([search('alice'), search('bob'), search('carol'), search('alice'), search('bob')]);
    expect(seen.map((s) => /token=([\w-]+)/.exec(s)?.[1])).toEqual(['alice-key-3c', 'bob-key-8d', 'shared-key-71', 'alice-key-3c', 'bob-key-8d']);
  });

  it('a key the config neither declares nor reads is still refused, naming the ones it has', async () => {
    const set = await runCli(['consumer', 'settings', 'set', 'alice', 'brave', 'apiKye=typo'], gw.dbPath);
    expect(set.code).not.toBe(0);
    expect(set.stderr).toContain('brave has no setting "apiKye" (its config has: apiKey)');
    const put = await fetch(`${gw.url}/mcp/brave/settings`, { method: 'PUT', headers: { 'x-api-key': keys.bob!, 'content-type': 'application/json' }, body: JSON.stringify({ apiKye: 'x' }) });
    expect(put.status).toBe(400);
    const body = await put.json();
    expect(body.error.data.code).toBe('GW_ERR_SETTINGS_INVALID');
    expect(body.error.message).toContain('brave has no setting "apiKye" (its config has: apiKey)');
  });
});
