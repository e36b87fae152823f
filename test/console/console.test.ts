// The web console in a real browser (Debian's chromium driven by playwright-core) against a real gateway: sign in
// (a wrong token refused), add a REST-to-MCP server from a YAML with an error then fixed, try its tools (a result
// and an isError result), add an upstream and a route and watch their requests arrive in Traffic, create a
// consumer and revoke its key. Every request the page makes stays on the admin origin, and the CSP reports nothing.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { SCREENSHOTS, browserMissing, launchBrowser, screenshot } from '../helpers/browser.js';
import { closedPortOrigin } from '../servers/shared/fake-upstream.js';
import { weatherYaml } from '../helpers/weather-rest-config.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { startModernMember } from '../helpers/modern-member.js';
import { startRemoteMcpUpstream } from '../helpers/remote-mcp-upstream.js';

const missing = browserMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)('web console in chromium', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const foreign: string[] = [];
  const cspErrors: string[] = [];

  beforeAll(async () => {
    [gw, upstream, browser] = await Promise.all([
      startTestGateway(),
      startUpstream('weather', (req, res) => {
        const failing = req.url?.startsWith('/fail');
        res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(failing ? { error: 'upstream broke' } : { city: 'Oslo', temp: 3, url: req.url }));
      }),
      launchBrowser(),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    const origin = new URL(gw.adminUrl).origin;
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('dialog', (d) => void d.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await upstream?.close();
  });

  /** Every control has an accessible name (a label, aria-label or its text). */
  const expectLabelled = async () => {
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent?.trim())))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
  };

  const go = async (hash: string, heading: string | RegExp) => {
    await page.goto(`${gw.adminUrl}/console/#/${hash}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  it('refuses a wrong token with a clear message, then signs in with the right one', async () => {
    await page.goto(`${gw.adminUrl}/console/`);
    await page.getByLabel('Admin token').fill('agt_this-is-not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong admin token');
    await screenshot(page, 'sign-in');
    await expectLabelled();
    // Keyboard only: the field is focused again after the refusal, Enter submits.
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(gw.adminToken.token);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // The session is a cookie the page's script cannot read.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'agate_console', httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('shows listeners, the config version and traffic charts on Overview', async () => {
    for (let i = 0; i < 5; i++) await (await fetch(`${gw.url}/warm-up-${i}`)).text();
    // For the documentation's picture: a few polls' worth of traffic so the lines have a shape.
    for (let i = 0; SCREENSHOTS && i < 40; i++) {
      await Promise.all(Array.from({ length: 1 + (i % 7) }, (_, j) => fetch(`${gw.url}/${i % 5 === 0 ? 'missing' : 'shop'}-${j}`).then((r) => r.text())));
      await new Promise((r) => setTimeout(r, 250));
    }
    await expect.poll(() => page.locator('main').textContent()).toContain(gw.url);
    await expect.poll(() => page.locator('main').textContent()).toContain('Config version');
    await page.locator('figure.chart polyline').first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'overview');
  });

  const yaml = (type: string) => weatherYaml(upstream.url, type, { broken: true });

  it('adds a REST-to-MCP server from YAML: the error is shown at its line and column, the fixed config is added', async () => {
    await go('mcp', 'MCP servers');
    const form = page.getByRole('form', { name: 'A Higress REST-to-MCP config' });
    await form.getByLabel('Name').fill('weather');
    await form.getByLabel('Config (YAML or JSON)').fill(yaml('strang'));
    await form.getByRole('button', { name: 'Validate and add' }).click();
    const jump = form.getByRole('button', { name: 'line 8, column 15' });
    await jump.waitFor();
    await screenshot(page, 'mcp-yaml-error');
    await jump.click();
    // The jump selects the offending value in the text area.
    expect(await page.evaluate(() => {
      const t = document.activeElement as HTMLTextAreaElement;
      return t.value.slice(t.selectionStart, t.selectionEnd);
    })).toBe('strang');
    expect(gw.registry.mcpServers.get('weather')).toBeUndefined();
    await form.getByLabel('Name').fill('weather');
    await form.getByLabel('Config (YAML or JSON)').fill(yaml('string'));
    await form.getByRole('button', { name: 'Validate and add' }).click();
    await page.getByRole('link', { name: 'weather' }).waitFor();
    expect(gw.registry.mcpServers.get('weather')?.backend.kind).toBe('rest');
    await screenshot(page, 'mcp');
    await expectLabelled();
  });

  it('lists the tools with their schemas and tries them: a result with its timing, and an isError result marked', async () => {
    await waitFor(async () => (await fetch(`${gw.adminUrl}/mcp-servers/weather/tools`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } })).ok, 'weather to be served', 10_000);
    await go('mcp/weather', 'MCP server weather');
    const forecast = page.getByRole('form', { name: 'Try forecast' });
    await forecast.getByLabel('city * (string)').fill('Oslo');
    await forecast.getByRole('button', { name: 'Try forecast' }).click();
    await expect.poll(() => forecast.getByRole('status').last().textContent()).toMatch(/OK in [\d.]+ ms/);
    expect(await forecast.locator('pre').textContent()).toContain('Oslo');
    expect(upstream.requests.some((r) => r.url === '/forecast?city=Oslo')).toBe(true);
    const broken = page.getByRole('form', { name: 'Try broken' });
    await broken.getByRole('button', { name: 'Try broken' }).click();
    await expect.poll(() => broken.getByRole('alert').textContent()).toContain('isError');
    await screenshot(page, 'mcp-try-it');
    await expectLabelled();
  });

  it('adds an upstream and a route, and the route\'s requests appear live in Traffic', async () => {
    await go('routes', 'HTTP routes');
    const up = page.getByRole('form', { name: 'New upstream' });
    await up.getByLabel('Name').fill('shop-pool');
    await up.getByLabel('Target URLs').fill(upstream.url);
    await up.getByRole('button', { name: 'Add upstream' }).click();
    await page.getByRole('cell', { name: 'shop-pool', exact: true }).waitFor();
    const route = page.getByRole('form', { name: 'New route' });
    await route.getByLabel('Name').fill('shop');
    await route.getByLabel('Path', { exact: true }).fill('shop');
    await route.getByLabel('Upstream').selectOption('shop-pool');
    await route.getByRole('button', { name: 'Add route' }).click();
    // The same message the admin API and CLI give: a path must start with '/'.
    await expect.poll(() => route.getByRole('alert').textContent()).toContain('GW_ERR_ADMIN_INVALID');
    await route.getByLabel('Path', { exact: true }).fill('/shop');
    await route.getByRole('button', { name: 'Add route' }).click();
    await page.getByRole('cell', { name: 'shop', exact: true }).waitFor();
    await screenshot(page, 'routes');
    await expectLabelled();

    await go('traffic', 'Traffic');
    await page.getByText('Live.').waitFor();
    await waitFor(async () => (await fetch(`${gw.url}/shop/cart`)).status === 200, 'the route to serve');
    await page.getByLabel('Route / server').fill('shop');
    await page.getByLabel('Status').selectOption('2');
    await page.getByRole('cell', { name: '/shop/cart' }).first().waitFor();
    await page.getByRole('button', { name: /Details of GET \/shop\/cart/ }).first().click();
    const details = page.getByRole('region', { name: 'Request details' });
    await expect.poll(() => details.textContent()).toContain('requestId');
    const value = (name: string) => details.locator(`dt:text-is("${name}") + dd`).textContent();
    expect(await value('route')).toBe('shop');
    expect(await value('status')).toBe('200');
    expect(await value('upstream')).toContain(upstream.url);
    await screenshot(page, 'traffic');
    await expectLabelled();
  });

  it('creates a consumer, shows its key once, and revokes it', async () => {
    await go('consumers', 'Consumers');
    const form = page.getByRole('form', { name: 'New consumer' });
    await form.getByLabel('Name').fill('alice');
    await form.getByRole('button', { name: 'Add consumer' }).click();
    await page.getByRole('button', { name: 'New key for alice' }).click();
    const shown = page.locator('output.secret');
    await expect.poll(() => shown.textContent()).toMatch(/^agk_/);
    const key = (await shown.textContent())!;
    expect(gw.registry.consumers.listKeys('alice')).toHaveLength(1);
    await screenshot(page, 'consumers');
    await expectLabelled();
    await page.getByRole('button', { name: /Revoke key .* of alice/ }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('revoked');
    expect(gw.registry.consumers.listKeys('alice')).toEqual([]);
    expect(await page.locator('main').textContent()).not.toContain(key);
  });

  it('adds a remote server from a URL; a dead one shows on Overview as unhealthy with its reason, bundles with members', async () => {
    await go('mcp', 'MCP servers');
    const form = page.getByRole('form', { name: 'From a URL' });
    await form.getByLabel('Name').fill('dead');
    await form.getByLabel('URL').fill(`${await closedPortOrigin()}/mcp`);
    await form.getByRole('button', { name: 'Add remote server' }).click();
    await page.getByRole('link', { name: 'dead' }).waitFor();
    expect(gw.registry.mcpServers.get('dead')?.backend).toMatchObject({ kind: 'remote', transport: 'streamable-http' });
    gw.registry.mcpServers.create({ name: 'both', backend: { kind: 'bundle', members: ['weather', 'dead'] } }, 'cli');
    await page.reload();
    await page.getByRole('cell', { name: 'weather, dead' }).waitFor();
    // A remote backend connects when first used: listing its tools is that use; the page says why it has none.
    await go('mcp/dead', 'MCP server dead');
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('ECONNREFUSED');
    await go('overview', 'Overview');
    const unhealthy = page.getByRole('table', { name: 'Unhealthy backends' });
    await unhealthy.getByRole('cell', { name: 'MCP dead' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => unhealthy.textContent(), { timeout: 15_000 }).toContain('ECONNREFUSED');
    await screenshot(page, 'overview-unhealthy');
  });

  it('shows each MCP server\'s era: a real modern member, a real legacy member, hosted both, unknown for a dead one', async () => {
    const [modern, legacy] = await Promise.all([startModernMember(), startRemoteMcpUpstream(1, 0, { jsonResponse: true })]);
    try {
      const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });
      gw.registry.mcpServers.create({ name: 'modern-member', backend: remote(modern.url) }, 'cli');
      gw.registry.mcpServers.create({ name: 'legacy-member', backend: remote(legacy.url) }, 'cli');
      await waitFor(() => gw.registry.memberEras.get('modern-member')?.learntAt && gw.registry.memberEras.get('legacy-member')?.learntAt, 'both eras learnt', 15_000);
      await go('mcp', 'MCP servers');
      const servers = page.getByRole('table', { name: 'MCP servers' });
      const eraCol = (await servers.getByRole('columnheader').allTextContents()).indexOf('Era');
      expect(eraCol).toBeGreaterThan(0);
      const eraOf = async (name: string) => (await servers.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) }).getByRole('cell').allTextContents())[eraCol];
      // What each fixture is built to be: the v2 SDK server rejecting legacy traffic, the v1 SDK server, a
      // REST-to-MCP server served in process, a member no probe reached.
      expect(await eraOf('modern-member')).toBe('2026-07-28');
      expect(await eraOf('legacy-member')).toBe(LATEST_PROTOCOL_VERSION);
      expect(await eraOf('weather')).toBe('hosted: both');
      expect(await eraOf('dead')).toBe('unknown');
      await screenshot(page, 'mcp');
      await go('mcp/modern-member', 'MCP server modern-member');
      await expect.poll(() => page.getByText(/^Protocol era:/).textContent()).toBe('Protocol era: 2026-07-28');
    } finally {
      await Promise.all([modern.close(), legacy.close()]);
    }
  });

  it('shows the audit log and the LLM page; no request left the admin origin and the CSP reported nothing', async () => {
    await go('audit', 'Audit');
    await page.getByRole('cell', { name: 'consumerKey' }).first().waitFor();
    expect(await page.locator('main').textContent()).toContain('admin-api');
    // The pictures of Audit and LLM are taken by console-edit.test.ts and console-llm.test.ts, with more to show.
    const admin = (path: string, body: unknown) =>
      fetch(gw.adminUrl + path, { method: 'POST', headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await admin('/llm-providers', { name: 'oai', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keys: ['sk-console-secret-1', 'sk-console-secret-2'] })).status).toBe(201);
    expect((await admin('/llm-routes', { name: 'gpt', model: 'gpt-*', targets: [{ provider: 'oai' }] })).status).toBe(201);
    await go('llm', 'LLM');
    await page.getByRole('cell', { name: '2 key(s)' }).waitFor();
    await page.getByRole('cell', { name: 'gpt-*' }).waitFor();
    expect(await page.content()).not.toContain('sk-console-secret');
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
  });

  it.each(['light', 'dark'] as const)('%s scheme: text colours keep a WCAG AA contrast of 4.5:1 or more', async (scheme) => {
    const p = await browser.newPage({ colorScheme: scheme });
    await p.goto(`${gw.adminUrl}/console/`);
    const vars = await p.evaluate(() => {
      const css = getComputedStyle(document.documentElement);
      return Object.fromEntries(['bg', 'fg', 'muted', 'panel', 'accent', 'accent-fg', 'ok', 'ok-bg', 'bad', 'bad-bg', 'warn'].map((v) => [v, css.getPropertyValue(`--${v}`).trim()]));
    });
    await p.close();
    const pairs: Array<[string, string]> = [
      ['fg', 'bg'], ['fg', 'panel'], ['muted', 'bg'], ['muted', 'panel'], ['accent', 'bg'], ['accent', 'panel'],
      ['accent-fg', 'accent'], ['ok', 'ok-bg'], ['bad', 'bad-bg'], ['bad', 'bg'], ['warn', 'bg'],
    ];
    for (const [fg, bg] of pairs) expect(contrast(vars[fg]!, vars[bg]!), `${fg} on ${bg} (${vars[fg]} / ${vars[bg]})`).toBeGreaterThanOrEqual(4.5);
  });

  it('opened at console.localhost, the session cookie is not sent to the data plane on 127.0.0.1', async () => {
    const own = await browser.newContext();
    const p = await own.newPage();
    const admin = new URL(gw.adminUrl);
    await p.goto(`http://console.localhost:${admin.port}/console/`);
    await p.getByLabel('Admin token').fill(gw.adminToken.token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await own.cookies(`http://console.localhost:${admin.port}/`)).toHaveLength(1);
    expect(await own.cookies(gw.url)).toEqual([]);
    await own.close();
  });

  it('follows the dark colour scheme', async () => {
    const dark = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 860 }, storageState: await context.storageState() });
    const p = await dark.newPage();
    await p.goto(`${gw.adminUrl}/console/#/overview`);
    await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(15, 18, 23)');
    if (process.env.AGATE_SCREENSHOTS === '1') await screenshot(p, 'overview-dark');
    await dark.close();
  });
});

/** WCAG 2.x contrast ratio of two #rrggbb colours (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio). */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
