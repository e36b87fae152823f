import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

let upstream: LoopbackUpstream | undefined;
let pair: McpPair | undefined;
afterEach(async () => {
  await pair?.close();
  await upstream?.close();
  pair = undefined;
});

/** Serves `doc` against a fresh JSON fake and makes one call; returns what the fake received. */
async function callOnce(doc: Record<string, unknown>, args: Record<string, unknown>, opts: { settings?: Record<string, string>; meta?: Record<string, unknown> } = {}) {
  upstream = await jsonUpstream({ ok: true });
  pair = await serve(doc, { settings: opts.settings, originOverrides: { [API]: upstream.url } });
  const result = await pair.call('t', args, opts.meta);
  expect(result.isError, JSON.stringify(result)).toBeFalsy();
  expect(upstream.requests).toHaveLength(1);
  return upstream.requests[0]!;
}

describe('argument positions (higress-mcp.md §2.4 step 4)', () => {
  const args = [
    { name: 'id', position: 'path' },
    { name: 'q', position: 'query' },
    { name: 'X-Trace', position: 'Header' },
    { name: 'session', position: 'cookie' },
    { name: 'note', position: 'body' },
    { name: 'loose' },
  ];
  it('puts each argument where its position says, query sorted with + for spaces', async () => {
    const req = await callOnce(
      oneTool({ args, requestTemplate: { url: `${API}/items/{id}?z=1&a=x y`, method: 'POST', headers: [{ key: 'Cookie', value: 'c=1' }] } }),
      { id: 'i7', q: 'a b/ü', 'X-Trace': 'tr', session: 's1', note: 'hello', loose: 'dropped' },
    );
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/items/i7?a=x+y&q=a+b%2F%C3%BC&z=1');
    expect(req.headers['x-trace']).toBe('tr');
    expect(req.headers.cookie).toBe('c=1; session=s1');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers.accept).toBe('*/*');
    expect(JSON.parse(req.body)).toEqual({ note: 'hello' });
  });
});

describe('body modes (§2.4 step 6)', () => {
  const args = [{ name: 'a', position: 'body' }, { name: 'b', type: 'integer' }, { name: 'c', type: 'boolean' }];
  it.each([
    ['argsToJsonBody', { argsToJsonBody: true }, [], 'application/json; charset=utf-8', '{"a":"x y","b":3,"c":true}', '/p'],
    ['argsToFormBody', { argsToFormBody: true }, [], 'application/x-www-form-urlencoded', 'a=x+y&b=3&c=true', '/p'],
    ['argsToUrlParam', { argsToUrlParam: true }, [], 'application/json; charset=utf-8', '{"a":"x y"}', '/p?b=3&c=true'],
    ['body args, form header', {}, [{ key: 'Content-Type', value: 'application/x-www-form-urlencoded' }], 'application/x-www-form-urlencoded', 'a=x+y', '/p'],
    ['body args, no flag', {}, [], 'application/json; charset=utf-8', '{"a":"x y"}', '/p'],
    ['JSON body template', { body: '{"q": "{{.args.a}}", "n": {{.args.b}}}' }, [], 'application/json; charset=utf-8', '{"q": "x y", "n": 3}', '/p'],
    ['text body template', { body: 'a={{.args.a}}' }, [], undefined, 'a=x y', '/p'],
    ['JSON template with JSON header kept', { body: '[1]' }, [{ key: 'Content-Type', value: 'application/json' }], 'application/json', '[1]', '/p'],
  ])('%s', async (_name, flags, headers, contentType, body, url) => {
    // Higress mode, so the string "3" and "true" are coerced by declared type (§2.3) rather than refused.
    const doc = oneTool({ args, requestTemplate: { url: `${API}/p`, method: 'POST', headers, ...flags } }, {}, { agate: { mode: 'higress' } });
    const req = await callOnce(doc, { a: 'x y', b: '3', c: 'true' });
    expect(req.headers['content-type']).toBe(contentType);
    expect(req.body).toBe(body);
    expect(req.url).toBe(url);
  });

  it('sends no body and no content type for a GET without body args', async () => {
    const req = await callOnce(oneTool({ args: [{ name: 'q' }], requestTemplate: { url: `${API}/g`, method: 'GET', argsToUrlParam: true } }), { q: '1' });
    expect(req.body).toBe('');
    expect(req.headers['content-type']).toBeUndefined();
  });
});

describe('templates over {config, args}', () => {
  it('renders url, headers and body from settings, file config and args; getRealIP from the call context', async () => {
    const req = await callOnce(
      oneTool(
        {
          args: [{ name: 'city' }],
          requestTemplate: {
            url: `${API}/v3/geo?address={{.args.city}}&region={{.config.region}}`,
            method: 'GET',
            headers: [{ key: 'X-Key', value: '{{.config.apiKey}}' }, { key: 'X-Ip', value: '{{getRealIP}}' }, { key: 'Accept', value: 'application/json' }, { key: '', value: 'skipped' }],
          },
        },
        { config: { apiKey: '', region: 'cn' } },
      ),
      { city: '北京市 朝阳区' },
      { settings: { apiKey: 'secret-1' }, meta: { 'io.agate/client-ip': '[2001:db8::7]:5555' } },
    );
    expect(req.url).toBe('/v3/geo?address=%E5%8C%97%E4%BA%AC%E5%B8%82+%E6%9C%9D%E9%98%B3%E5%8C%BA&region=cn');
    expect(req.headers['x-key']).toBe('secret-1');
    expect(req.headers['x-ip']).toBe('2001:db8::7');
    expect(req.headers.accept).toBe('application/json');
  });
});

describe('security schemes (§2.5)', () => {
  const schemes = [
    { id: 'Basic', type: 'http', scheme: 'basic', defaultCredential: 'user:pa ss' },
    { id: 'BasicToken', type: 'http', scheme: 'basic', defaultCredential: 'dG9rZW4=' },
    { id: 'Bearer', type: 'http', scheme: 'bearer', defaultCredential: 'tok' },
    { id: 'HeaderKey', type: 'apiKey', in: 'header', name: 'X-API-Key', defaultCredential: 'hk' },
    { id: 'QueryKey', type: 'apiKey', in: 'query', name: 'key', defaultCredential: 'q k' },
    { id: 'ClientBearer', type: 'http', scheme: 'bearer' },
  ];
  const headerOf = (name: string) => (req: { headers: Record<string, unknown> }) => req.headers[name];
  it.each([
    ['basic user:pass is base64-encoded', { id: 'Basic' }, headerOf('authorization'), `Basic ${Buffer.from('user:pa ss').toString('base64')}`],
    ['basic token is used as is', { id: 'BasicToken' }, headerOf('authorization'), 'Basic dG9rZW4='],
    ['bearer', { id: 'Bearer' }, headerOf('authorization'), 'Bearer tok'],
    ['tool credential beats the default', { id: 'Bearer', credential: 'tool-tok' }, headerOf('authorization'), 'Bearer tool-tok'],
    ['apiKey header replaces a configured one', { id: 'HeaderKey' }, headerOf('x-api-key'), 'hk'],
    ['apiKey query', { id: 'QueryKey' }, (r: { url: string }) => r.url, '/s?a=1&key=q+k'],
  ])('%s', async (_n, security, pick, want) => {
    const req = await callOnce(
      oneTool({ requestTemplate: { url: `${API}/s?a=1`, method: 'GET', security, headers: [{ key: 'x-api-key', value: 'configured' }] } }, { securitySchemes: schemes }),
      {},
    );
    expect(pick(req as never)).toBe(want);
  });

  it('uses defaultUpstreamSecurity when the tool has none', async () => {
    const req = await callOnce(oneTool({ requestTemplate: { url: `${API}/s`, method: 'GET' } }, { securitySchemes: schemes, defaultUpstreamSecurity: { id: 'Bearer' } }), {});
    expect(req.headers.authorization).toBe('Bearer tok');
  });

  it('passes the client bearer token through when the downstream requirement says so', async () => {
    const req = await callOnce(
      oneTool({ security: { id: 'ClientBearer', passthrough: true }, requestTemplate: { url: `${API}/s`, method: 'GET', security: { id: 'HeaderKey' } } }, { securitySchemes: schemes }),
      {},
      { meta: { 'io.agate/passthrough-auth': 'Bearer client-token' } },
    );
    expect(req.headers['x-api-key']).toBe('client-token');
    expect(req.headers.authorization).toBeUndefined();
  });

  it.each([
    ['forwarded with passthroughAuthHeader', true, 'Bearer c'],
    ['never forwarded by default', false, undefined],
  ])('client Authorization is %s', async (_n, passthroughAuthHeader, want) => {
    const req = await callOnce(oneTool({ requestTemplate: { url: `${API}/s`, method: 'GET' } }, { passthroughAuthHeader }), {}, { meta: { 'io.agate/passthrough-auth': 'Bearer c' } });
    expect(req.headers.authorization).toBe(want);
  });

  it('sends the call unauthenticated when no credential exists (Higress logs and proceeds)', async () => {
    const req = await callOnce(oneTool({ requestTemplate: { url: `${API}/s`, method: 'GET', security: { id: 'ClientBearer' } } }, { securitySchemes: schemes }), {});
    expect(req.headers.authorization).toBeUndefined();
  });
});

// Higress substitutes path values raw; agate keeps them one segment in both modes (url-position.test.ts).
describe('path parameters are encoded as one segment', () => {
  it.each([
    ['strict', 'a/b?c', '/f/a%2Fb%3Fc'],
    ['higress', 'a/b', '/f/a%2Fb'],
  ])('%s mode', async (mode, value, url) => {
    const req = await callOnce(oneTool({ args: [{ name: 'p', position: 'path' }], requestTemplate: { url: `${API}/f/{p}`, method: 'GET' } }, {}, { agate: { mode } }), { p: value });
    expect(req.url).toBe(url);
  });
});

it('renders an empty 2xx body as "success"', async () => {
  upstream = await jsonUpstream('');
  pair = await serve(oneTool({ requestTemplate: { url: `${API}/e`, method: 'DELETE' } }), { originOverrides: { [API]: upstream.url } });
  expect(textOf(await pair.call('t', {}))).toBe('success');
});
