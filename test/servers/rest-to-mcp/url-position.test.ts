// An argument interpolated into requestTemplate.url fills its slot and never changes the URL's
// structure; the server's credentials go only to hosts its config names. Expected values are read
// back with WHATWG URL / URLSearchParams, not with agate's Go-URL port.
import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { startLoopProbe } from '../../helpers/loop-probe.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

const servers: LoopbackUpstream[] = [];
let pair: McpPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fake(): Promise<LoopbackUpstream> {
  const s = await jsonUpstream({ ok: true });
  servers.push(s);
  return s;
}

const keyed = (url: string) =>
  oneTool({ args: [{ name: 'v' }], requestTemplate: { url, method: 'GET', headers: [{ key: 'X-Api-Key', value: '{{.config.key}}' }] } }, { config: { key: 'operator-secret' } });

async function callWith(url: string, value: string, options: Parameters<typeof serve>[1] = {}): Promise<{ target: LoopbackUpstream; text: string; isError: boolean }> {
  const target = await fake();
  pair = await serve(keyed(url), { originOverrides: { [API]: target.url, 'https://*.example.com': target.url }, ...options });
  const result = await pair.call('t', { v: value });
  return { target, text: textOf(result), isError: result.isError === true };
}

describe('requestTemplate.url: an argument fills its slot only', () => {
  it.each([
    ['"&" adds no parameter', 'a&admin=1'],
    ['"#" does not cut the operator\'s parameters', 'x#frag'],
    ['"=" and "+" stay inside the value', 'k=v+w'],
    ['"%" is not decoded', '100%25'],
  ])('query value: %s', async (_n, value) => {
    const { target, isError, text } = await callWith(`${API}/search?q={{.args.v}}&limit=5&key={{.config.key}}`, value);
    expect(isError, text).toBe(false);
    const got = new URLSearchParams(target.requests[0]!.url.split('?')[1]);
    expect([...got.keys()].sort()).toEqual(['key', 'limit', 'q']);
    expect(got.get('q')).toBe(value);
    expect(got.get('limit')).toBe('5');
    expect(got.get('key')).toBe('operator-secret');
  });

  it('query key: a value cannot add a second key', async () => {
    const { target, isError, text } = await callWith(`${API}/s?{{.args.v}}=1`, 'a&admin');
    expect(isError, text).toBe(false);
    const got = new URLSearchParams(target.requests[0]!.url.split('?')[1]);
    expect([...got.entries()]).toEqual([['a&admin', '1']]);
  });

  it.each([['a/b'], ['a?x=1'], ['a#b'], ['a%2Fb']])('path: %s stays one segment', async (value) => {
    const { target, isError, text } = await callWith(`${API}/items/{{.args.v}}/detail`, value);
    expect(isError, text).toBe(false);
    const url = new URL(target.requests[0]!.url, 'http://x');
    const segments = url.pathname.split('/').slice(1);
    expect(segments).toHaveLength(3);
    expect(decodeURIComponent(segments[1]!)).toBe(value);
    expect(url.search).toBe('');
  });

  it.each([['..'], ['.']])('path: a %s segment is refused before any request', async (value) => {
    const { target, isError, text } = await callWith(`${API}/items/{{.args.v}}/detail`, value);
    expect(isError).toBe(true);
    expect(text).toMatch(/path/);
    expect(target.requests).toHaveLength(0);
  });

  it('path parameter {name}: "/" and "?" stay inside the segment in higress mode too', async () => {
    const target = await fake();
    const doc = oneTool({ args: [{ name: 'id', position: 'path' }], requestTemplate: { url: `${API}/docs/{id}/raw`, method: 'GET' } }, {}, { agate: { mode: 'higress' } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', { id: 'a/../b?admin=1' });
    expect(result.isError, textOf(result)).toBeFalsy();
    const url = new URL(target.requests[0]!.url, 'http://x');
    expect(url.pathname.split('/').slice(1).map(decodeURIComponent)).toEqual(['docs', 'a/../b?admin=1', 'raw']);
    expect(url.search).toBe('');
  });
});

describe('requestTemplate.url: the host stays the operator\'s', () => {
  it('a value in the host part cannot send the key to a host the client chose', async () => {
    const attacker = await fake();
    const { target, isError, text } = await callWith('http://{{.args.v}}.example.com/x', `127.0.0.1:${attacker.port}/?`, { allowHosts: ['127.0.0.0/8'] });
    expect(isError).toBe(true);
    expect(text).toMatch(/host/);
    expect(text).toContain('{{.args.v}}');
    expect(attacker.requests).toHaveLength(0);
    expect(target.requests).toHaveLength(0);
  });

  it.each([['evil.com/'], ['a.b'], ['a@b'], ['a:1']])('host label %s is refused', async (value) => {
    const { target, isError } = await callWith('https://{{.args.v}}.example.com/x', value);
    expect(isError).toBe(true);
    expect(target.requests).toHaveLength(0);
  });

  it('a value that is a label under a named domain keeps the credentials (e2b-style sandbox hosts)', async () => {
    const { target, isError, text } = await callWith('https://49999-{{.args.v}}.example.com/execute', 'sbx42');
    expect(isError, text).toBe(false);
    expect(target.requests[0]!.headers['x-api-key']).toBe('operator-secret');
  });

  it('a host the client picks wholly gets no credentials on the first hop', async () => {
    const attacker = await fake();
    const { isError, text } = await callWith(`http://{{.args.v}}:${attacker.port}/collect`, 'localhost', { allowHosts: ['localhost'] });
    expect(isError, text).toBe(false);
    expect(attacker.requests).toHaveLength(1);
    expect(attacker.requests[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('an argument cannot supply the scheme', async () => {
    const target = await fake();
    pair = await serve(keyed('{{.args.v}}'), { allowHosts: ['127.0.0.0/8'] });
    const result = await pair.call('t', { v: `${target.url}/x` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/scheme/);
    expect(target.requests).toHaveLength(0);
  });

  it('the operator\'s own {{.config.baseUrl}} still picks the whole origin', async () => {
    const target = await fake();
    const doc = oneTool({ args: [{ name: 'v' }], requestTemplate: { url: '{{.config.baseUrl}}/get/{{.args.v}}', method: 'GET' } }, { config: { baseUrl: API } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const result = await pair.call('t', { v: 'one' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(target.requests[0]!.url).toBe('/get/one');
  });
});

describe('requestTemplate.url: many interpolated values', () => {
  it('a huge array ranged into the query is refused promptly, and the event loop keeps turning', async () => {
    const target = await fake();
    const doc = oneTool({ args: [{ name: 'list', type: 'array', items: { type: 'string' } }], requestTemplate: { url: `${API}/s?{{range .args.list}}k={{.}}&{{end}}`, method: 'GET' } });
    pair = await serve(doc, { originOverrides: { [API]: target.url } });
    const probe = startLoopProbe(5);
    let worstStall: number;
    try {
      const result = await pair.call('t', { list: Array.from({ length: 100_000 }, (_, i) => `v${i}`) });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/at most 1000 values/);
    } finally {
      worstStall = probe.stop();
    }
    expect(worstStall).toBeLessThan(1000);
    expect(target.requests).toHaveLength(0);
  });
});
