// The console's editing pages in a real browser (Debian's chromium driven by playwright-core) against a real
// gateway, each edit then checked from the outside with real clients: an MCP server's allow list edited so one
// consumer may call a tool and another may not (both driven at once with the official MCP SDK client), a bundle's
// members, a route's canary weight (real requests split between two loopback upstreams), a server added from an
// OpenAPI spec (an error at its line and column, then fixed, then its tool tried).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { browserMissing, launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { weatherYaml } from '../helpers/weather-rest-config.js';
import { petsOpenApi } from '../helpers/pets-openapi.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)('web console editing in chromium', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const keys: Record<string, string> = {};

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(gw.adminUrl + path, { method, headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    [gw, upstream, browser] = await Promise.all([
      startTestGateway(),
      startUpstream('weather', (req, res) => {
        res.writeHead(req.url?.startsWith('/fail') ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ city: 'Oslo', temp: 3, url: req.url }));
      }),
      launchBrowser(),
    ]);
    for (const name of ['weather', 'quake']) {
      expect((await admin('POST', '/mcp-servers-from-config', { name, text: weatherYaml(upstream.url, 'string', { broken: true }) })).status).toBe(201);
    }
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, { adminUrl: gw.adminUrl, token: gw.adminToken.token });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await upstream?.close();
  });

  const go = async (hash: string, heading: string | RegExp) => {
    await page.goto(`${gw.adminUrl}/console/#/${hash}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  /** An SDK client at `/mcp/<server>` presenting `key` (none: anonymous). */
  const mcpAs = async (server: string, key?: string) => {
    const client = new Client({ name: 'console-edit-test', version: '1.0.0' });
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/${server}`), { requestInit: { headers } }));
    return client;
  };

  it("edits a server's allow list and limits: a bad value names its field; then alice may call forecast, bob may not", async () => {
    await go('mcp/weather', 'MCP server weather');
    const form = page.getByRole('form', { name: 'Access and rate limits' });
    await form.getByLabel('Consumers', { exact: true }).fill('alice, Bob!');
    await form.getByRole('button', { name: 'Save policy' }).click();
    // The registry's own message, as the CLI prints it: the field and the rule.
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('mcpServer.access.consumers[1]');
    expect(gw.registry.mcpServers.get('weather')?.access).toBeUndefined();
    await form.getByLabel('Consumers', { exact: true }).fill('alice, bob');
    await form.getByLabel('Tools for some consumers only').fill('forecast: alice');
    await form.getByLabel('Calls per consumer').fill('2');
    await form.getByLabel('Window per consumer (seconds)').fill('60');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => form.getByRole('status').last().textContent()).toContain('Saved');
    expect(gw.registry.mcpServers.get('weather')).toMatchObject({
      access: { consumers: ['alice', 'bob'], tools: { forecast: ['alice'] } },
      rateLimit: { perConsumer: { requests: 2, windowSeconds: 60 } },
    });
    await screenshot(page, 'mcp-policy');

    // The gateway serves the new policy once its snapshot carries it: anonymous clients are refused from then on.
    await waitFor(async () => (await mcpAs('weather').then((c) => c.close().then(() => false)).catch(() => true)), 'the policy to be served', 10_000);
    const [alice, bob] = await Promise.all([mcpAs('weather', keys.alice), mcpAs('weather', keys.bob)]);
    try {
      const [aliceTools, bobTools] = await Promise.all([alice.listTools(), bob.listTools()]);
      expect(aliceTools.tools.map((t) => t.name).sort()).toEqual(['broken', 'forecast']);
      expect(bobTools.tools.map((t) => t.name)).toEqual(['broken']);
      const [aliceCall, bobCall] = await Promise.allSettled([alice.callTool({ name: 'forecast', arguments: { city: 'Oslo' } }), bob.callTool({ name: 'forecast', arguments: { city: 'Oslo' } })]);
      expect(aliceCall.status).toBe('fulfilled');
      expect(JSON.stringify((aliceCall as PromiseFulfilledResult<unknown>).value)).toContain('Oslo');
      // A tool hidden from bob answers as an unknown tool would (JSON-RPC invalid params, MCP spec "Tools: Error Handling").
      expect(bobCall.status).toBe('rejected');
      expect(String((bobCall as PromiseRejectedResult).reason)).toMatch(/-32602|not found|unknown tool/i);
      // Two calls per consumer per minute: alice's third is refused; bob's own bucket is untouched by alice's calls.
      await alice.callTool({ name: 'broken', arguments: {} });
      await expect(alice.callTool({ name: 'broken', arguments: {} })).rejects.toThrow(/rate/i);
      expect((await bob.callTool({ name: 'broken', arguments: {} })).isError).toBe(true);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it("edits a bundle's members and consumers: a malformed member is refused by name, then saved", async () => {
    gw.registry.mcpServers.create({ name: 'both', backend: { kind: 'bundle', members: ['quake'] } }, 'cli');
    await go('mcp/both', 'MCP server both');
    const form = page.getByRole('form', { name: 'Access and rate limits' });
    await expect.poll(() => form.getByLabel('Members', { exact: true }).inputValue()).toBe('quake');
    await form.getByLabel('Members', { exact: true }).fill('quake, Ghost!');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('mcpServer.backend.members[1]');
    expect(gw.registry.mcpServers.get('both')?.backend).toMatchObject({ members: ['quake'] });
    await form.getByLabel('Members', { exact: true }).fill('quake, weather');
    await form.getByLabel('Consumers', { exact: true }).fill('bob');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => form.getByRole('status').last().textContent()).toContain('Saved');
    expect(gw.registry.mcpServers.get('both')).toMatchObject({ backend: { kind: 'bundle', members: ['quake', 'weather'] }, access: { consumers: ['bob'] } });
    await screenshot(page, 'mcp-bundle');
  });

  it("edits a route's canary weight: a bad weight names its field; real requests then split between two upstreams", async () => {
    const [stable, canary] = await Promise.all([startUpstream('stable'), startUpstream('canary')]);
    try {
      gw.registry.upstreams.create({ name: 'stable', targets: [{ url: stable.url }] }, 'cli');
      gw.registry.upstreams.create({ name: 'canary', targets: [{ url: canary.url }] }, 'cli');
      gw.registry.routes.create({ name: 'shop', path: '/shop', upstream: 'stable' }, 'cli');
      await go('routes', 'HTTP routes');
      await page.getByRole('button', { name: 'Edit route shop' }).click();
      const form = page.getByRole('form', { name: 'Edit route shop' });
      await form.getByLabel('Canary upstream').fill('canary');
      await form.getByLabel('Canary weight (%)').fill('150');
      await form.getByRole('button', { name: 'Save route' }).click();
      await expect.poll(() => form.getByRole('alert').textContent()).toContain('route.canary.weight');
      expect(gw.registry.routes.get('shop')?.canary).toBeUndefined();
      await form.getByLabel('Canary weight (%)').fill('30');
      await form.getByLabel('Methods').fill('get');
      await screenshot(page, 'routes-edit');
      await form.getByRole('button', { name: 'Save route' }).click();
      await page.getByRole('cell', { name: 'canary 30 %' }).waitFor();
      expect(gw.registry.routes.get('shop')).toMatchObject({ path: '/shop', upstream: 'stable', methods: ['GET'], canary: { upstream: 'canary', weight: 30 } });

      await waitFor(() => gw.snapshots.current()?.version === gw.registry.version(), 'the edit to be served');
      const n = 300;
      for (let i = 0; i < n; i += 30) await Promise.all(Array.from({ length: 30 }, (_, j) => fetch(`${gw.url}/shop/item-${i + j}`).then((r) => r.text())));
      const share = canary.requests.length / n;
      expect(stable.requests.length + canary.requests.length).toBe(n);
      // 30 % of 300: mean 90, standard deviation about 8 (binomial); 15-45 % is far outside chance.
      expect(share).toBeGreaterThan(0.15);
      expect(share).toBeLessThan(0.45);
      // The methods match edited with it: a POST no longer matches the route.
      expect((await fetch(`${gw.url}/shop/item`, { method: 'POST' })).status).toBe(404);
    } finally {
      await Promise.all([stable.close(), canary.close()]);
    }
  });

  it('adds a server from an OpenAPI spec: the missing base URL is shown at its line and column, then the spec is added and its tool tried', async () => {
    await go('mcp', 'MCP servers');
    const form = page.getByRole('form', { name: 'An OpenAPI spec' });
    await form.getByLabel('Name').fill('pets');
    await form.getByLabel('Spec (YAML or JSON)').fill(petsOpenApi('/v1'));
    await form.getByRole('button', { name: 'Validate and add' }).click();
    const jump = form.getByRole('button', { name: 'line 6, column 10' });
    await jump.waitFor();
    expect(await form.getByRole('alert').textContent()).toContain('no absolute servers[0].url');
    await screenshot(page, 'mcp-openapi-error');
    await jump.click();
    expect(await page.evaluate(() => {
      const t = document.activeElement as HTMLTextAreaElement;
      return t.value.slice(t.selectionStart, t.selectionEnd);
    })).toBe('/v1');
    expect(gw.registry.mcpServers.get('pets')).toBeUndefined();
    await form.getByLabel('Base URL').fill(`${upstream.url}/v1`);
    await form.getByLabel('Private hosts allowed').fill('127.0.0.1');
    await form.getByRole('button', { name: 'Validate and add' }).click();
    await page.getByRole('link', { name: 'pets' }).waitFor();
    expect(gw.registry.mcpServers.get('pets')?.backend.kind).toBe('rest');

    await waitFor(() => gw.snapshots.current()?.mcp.servers.has('pets'), 'pets to be served');
    await go('mcp/pets', 'MCP server pets');
    const tryIt = page.getByRole('form', { name: 'Try listPets' });
    await tryIt.getByLabel('limit (integer)').fill('2');
    await tryIt.getByRole('button', { name: 'Try listPets' }).click();
    await expect.poll(() => tryIt.getByRole('status').last().textContent()).toMatch(/OK in [\d.]+ ms/);
    expect(upstream.requests.some((r) => r.url === '/v1/pets?limit=2')).toBe(true);
  });

  it('the audit page says who made each change: this console session or the admin token, and from where', async () => {
    await go('audit', 'Audit');
    const log = page.getByRole('table', { name: 'Latest 200 changes' });
    // The policy edit above came from this browser's session; the servers were added with the token in beforeAll.
    const edit = log.getByRole('row').filter({ hasText: 'mcpServer' }).filter({ hasText: 'update' }).first();
    expect(await edit.getByRole('cell').nth(2).textContent()).toMatch(/^console session [0-9a-f]{8} from 127\.0\.0\.1$/);
    const added = log.getByRole('row').filter({ has: page.getByRole('cell', { name: 'quake', exact: true }) }).filter({ hasText: 'create' }).first();
    expect(await added.getByRole('cell').nth(2).textContent()).toBe('admin token from 127.0.0.1');
    await screenshot(page, 'audit');
  });
});
