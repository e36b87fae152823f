import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

const servers: LoopbackUpstream[] = [];
let pair: McpPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fake(...args: Parameters<typeof jsonUpstream>): Promise<LoopbackUpstream> {
  const s = await jsonUpstream(...args);
  servers.push(s);
  return s;
}

const getTool = (url: string, extra: Record<string, unknown> = {}) => oneTool({ args: [{ name: 'v' }], requestTemplate: { url, method: 'GET', ...extra } });

describe('SSRF guard (perf-reliability §6.2)', () => {
  it.each([
    ['loopback IP', 'http://127.0.0.1:{{.config.port}}/x'],
    ['localhost by name (checked after DNS)', 'http://localhost:{{.config.port}}/x'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['private 10/8', 'http://10.1.2.3/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:{{.config.port}}/x'],
  ])('refuses %s without an allow list, before any request is sent', async (_n, url) => {
    const target = await fake({ reached: true });
    pair = await serve(oneTool({ requestTemplate: { url, method: 'GET' } }, { config: { port: String(target.port) } }));
    const result = await pair.call('t', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/refused: .*(loopback, private, link-local or metadata address)/);
    expect(target.requests).toHaveLength(0);
  });

  it.each([
    ['an origin override (the operator named the target)', (port: number) => ({ originOverrides: { [API]: `http://127.0.0.1:${port}` } }), API],
    ['allowHosts with a CIDR', () => ({ allowHosts: ['127.0.0.0/8'] }), 'http://127.0.0.1:PORT'],
    ['allowHosts with a hostname', () => ({ allowHosts: ['localhost'] }), 'http://localhost:PORT'],
  ])('allows a loopback upstream named by %s', async (_n, options, base) => {
    const target = await fake({ reached: true });
    pair = await serve(getTool(`${base.replace('PORT', String(target.port))}/ok`), options(target.port));
    const result = await pair.call('t', {});
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(target.requests).toHaveLength(1);
  });

  // Envoy's router, which carries Higress's RouteCall, does not follow redirects: the callback sees
  // the 3xx and rest_server.go reports "call failed, status: %d, response: %s".
  it.each([301, 302, 303, 307, 308])('reports a %i as a failed call, as Higress does, without following it', async (status) => {
    const target = await startUpstream('r', (_req, res) => {
      res.writeHead(status, { location: '/final', 'content-type': 'text/plain' });
      res.end('moved');
    });
    servers.push(target);
    pair = await serve(getTool(`${API}/start`), { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`call failed, status: ${status}, response: moved`);
    expect(target.requests.map((r) => r.url)).toEqual(['/start']);
  });

  it('offers the redirect to errorResponseTemplate (status and Location under _headers)', async () => {
    const target = await startUpstream('r', (_req, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example/x' });
      res.end();
    });
    servers.push(target);
    const doc = oneTool({ args: [], requestTemplate: { url: `${API}/start`, method: 'GET' }, errorResponseTemplate: 'moved ({{gjson "_headers.\\\\:status"}}) to {{gjson "_headers.location"}}' });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    expect(textOf(await pair.call('t', {}))).toBe('moved (302) to https://elsewhere.example/x');
  });

  const following = (url: string): Record<string, unknown> => ({ ...getTool(url), agate: { followRedirects: true } });

  it('follows a same-origin redirect through the override when agate.followRedirects is set', async () => {
    const target = await startUpstream('r', (req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { location: '/final' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"done":true}');
      }
    });
    servers.push(target);
    pair = await serve(following(`${API}/start`), { originOverrides: { [API]: target.url } });
    expect(textOf(await pair.call('t', {}))).toBe('{"done":true}');
    expect(target.requests.map((r) => r.url)).toEqual(['/start', '/final']);
  });

  it.each([
    ['another loopback port', (victim: LoopbackUpstream) => `${victim.url}/admin`],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('with agate.followRedirects, still refuses a redirect to %s', async (_n, location) => {
    const victim = await fake({ secret: true });
    const target = await startUpstream('r', (_req, res) => {
      res.writeHead(307, { location: location(victim) });
      res.end();
    });
    servers.push(target);
    pair = await serve(following(`${API}/start`), { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/refused/);
    expect(victim.requests).toHaveLength(0);
  });

  it.each([
    ['..', /"\.\." is not allowed as a path segment/],
    ['.', /"\." is not allowed as a path segment/],
  ])('strict mode refuses the path argument %j (perf-reliability §6.2 control 1)', async (value, message) => {
    const target = await fake({});
    const doc = oneTool({ args: [{ name: 'p', position: 'path' }], requestTemplate: { url: `${API}/files/{p}/meta`, method: 'GET' } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', { p: value });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(target.requests).toHaveLength(0);
  });
});

describe('header injection (perf-reliability §6.3)', () => {
  it.each([
    ['CR LF in a rendered header template', { headers: [{ key: 'X-V', value: '{{.args.v}}' }] }, 'a\r\nX-Injected: 1'],
    ['LF in a header-position argument', {}, 'a\nb'],
    ['NUL in a rendered header', { headers: [{ key: 'X-V', value: '{{.args.v}}' }] }, 'a\u0000b'],
  ])('refuses %s with an isError, never a crash', async (_n, extra, value) => {
    const target = await fake({});
    const doc = oneTool({ args: [{ name: 'v', position: 'position' in extra ? 'body' : 'header' }], requestTemplate: { url: `${API}/h`, method: 'GET', ...extra } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', { v: value });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/CR, LF or NUL/);
    expect(target.requests).toHaveLength(0);
    // The server still answers after the refusal.
    expect((await pair.client.listTools()).tools).toHaveLength(1);
  });
});

describe('header arguments and the operator credential', () => {
  // Higress applies its security header by replacing the first same-named entry in place, so a later
  // header argument of that name would win on the wire (RouteCall replaces in order); agate applies the
  // credential after collapsing, so a caller's argument can never stand in for the operator's key.
  it('a position: header argument named like the upstream apiKey header does not replace the credential', async () => {
    const target = await fake({});
    const doc = oneTool(
      { args: [{ name: 'X-Api-Key', position: 'header' }], requestTemplate: { url: `${API}/h`, method: 'GET', security: { id: 'k' } } },
      { securitySchemes: [{ id: 'k', type: 'apiKey', in: 'header', name: 'X-Api-Key', defaultCredential: 'operator-key' }] },
    );
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    expect((await pair.call('t', { 'X-Api-Key': 'caller-key' })).isError).toBeFalsy();
    expect(target.requests[0]!.headers['x-api-key']).toBe('operator-key');
  });
});

describe('limits', () => {
  it('fails a call that exceeds the per-tool timeout', async () => {
    const target = await startUpstream('slow', () => undefined);
    servers.push(target);
    const doc = { ...getTool(`${API}/slow`), agate: { tools: { t: { timeoutMs: 150 } } } };
    pair = await serve(doc, { originOverrides: { [API]: target.url }, timeoutMs: 60_000 });
    const result = await pair.call('t', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('t call failed: api.example.com did not answer within 150 ms');
  });

  it('refuses a response larger than the cap', async () => {
    const target = await fake({ blob: 'x'.repeat(5000) });
    pair = await serve(getTool(`${API}/big`), { originOverrides: { [API]: target.url }, maxResponseBytes: 1000 });
    const result = await pair.call('t', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/larger than the 1000-byte limit/);
  });

  it('names the canonical host, not the override target, when the upstream is down', async () => {
    const target = await fake({});
    const url = target.url;
    await target.close();
    servers.splice(servers.indexOf(target), 1);
    pair = await serve(getTool(`${API}/x`), { originOverrides: { [API]: url } });
    const text = textOf(await pair.call('t', {}));
    expect(text).toMatch(/could not reach api\.example\.com/);
    expect(text).not.toContain('127.0.0.1');
  });
});
