import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamGet } from '../../../servers/shared/upstream-get.js';
import { applyOriginOverride, resolveUpstreamLimits } from '../../../servers/shared/upstream-options.js';
import { bodyExcerpt } from '../../../servers/shared/tool-result.js';

const CANONICAL = 'https://api.example.com';
let server: Server | undefined;

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
  server = undefined;
});

async function serve(listener: RequestListener): Promise<string> {
  server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('upstreamGet', () => {
  it('refuses a chunked body that grows past the cap (no content-length to check up front)', async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 64; i++) res.write('x'.repeat(1024));
      res.end();
    });
    const limits = resolveUpstreamLimits({ settings: {}, originOverrides: { [CANONICAL]: origin }, maxResponseBytes: 10_000 });
    const result = await upstreamGet({ url: `${CANONICAL}/v1/x` }, limits);
    expect(result).toEqual({ ok: false, error: 'response from api.example.com is larger than the 10000-byte limit' });
  });

  it('accepts a body of exactly the cap', async () => {
    const origin = await serve((_req, res) => res.end('y'.repeat(100)));
    const limits = resolveUpstreamLimits({ settings: {}, originOverrides: { [CANONICAL]: origin }, maxResponseBytes: 100 });
    expect(await upstreamGet({ url: `${CANONICAL}/` }, limits)).toEqual({ ok: true, status: 200, body: 'y'.repeat(100) });
  });

  it('does not follow redirects, so a key can never travel to another host', async () => {
    let hits = 0;
    const origin = await serve((_req, res) => {
      hits++;
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    });
    const limits = resolveUpstreamLimits({ settings: {}, originOverrides: { [CANONICAL]: origin } });
    const result = await upstreamGet({ url: `${CANONICAL}/v1/x`, headers: { 'x-api-key': 'k' } }, limits);
    expect(result).toEqual({ ok: true, status: 302, body: '' });
    expect(hits).toBe(1);
  });

  it('encodes query values and skips undefined ones, keeping order', async () => {
    let seen = '';
    const origin = await serve((req, res) => {
      seen = req.url ?? '';
      res.end('{}');
    });
    const limits = resolveUpstreamLimits({ settings: {}, originOverrides: { [CANONICAL]: origin } });
    await upstreamGet({ url: `${CANONICAL}/p`, query: { b: 'x&y=z#w', skip: undefined, a: '中 文' } }, limits);
    expect(seen).toBe('/p?b=x%26y%3Dz%23w&a=%E4%B8%AD+%E6%96%87');
  });
});

describe('origin overrides', () => {
  it.each([
    ['https://api.example.com/v3/ip?x=1', 'http://127.0.0.1:9000/v3/ip?x=1'],
    ['https://api.example.com:443/a', 'http://127.0.0.1:9000/a'],
    ['http://api.example.com/a', 'http://api.example.com/a'],
    ['https://other.example.com/a', 'https://other.example.com/a'],
  ])('%s → %s (exact origin match only)', (from, to) => {
    const limits = resolveUpstreamLimits({ settings: {}, originOverrides: { 'https://api.example.com': 'http://127.0.0.1:9000' } });
    expect(applyOriginOverride(new URL(from), limits).href).toBe(to);
  });
});

describe('bodyExcerpt', () => {
  it.each([
    ['a\n  b\tc', [], 'a b c'],
    ['token=SECRET&x=SECRET', ['SECRET'], 'token=***&x=***'],
    ['z'.repeat(250), [], `${'z'.repeat(200)}…`],
    ['keep', [''], 'keep'],
  ])('%j with secrets %j → %j', (body, secrets, expected) => {
    expect(bodyExcerpt(body, secrets)).toBe(expected);
  });
});
