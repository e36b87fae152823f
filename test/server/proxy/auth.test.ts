import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../server/auth/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { configure } from '../../helpers/proxy.js';
import { tempDir } from '../../helpers/temp-dir.js';

const HS_SECRET = 'hs256-shared-secret-for-tests';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwks = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = () => Math.floor(Date.now() / 1000);

function jwt(claims: Record<string, unknown>, alg: 'HS256' | 'RS256' | 'none', key?: unknown, kid?: string): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })}.${enc(claims)}`;
  if (alg === 'none') return `${input}.`;
  const sig = alg === 'HS256' ? createHmac('sha256', key as string).update(input).digest() : sign('RSA-SHA256', Buffer.from(input), key as never);
  return `${input}.${sig.toString('base64url')}`;
}
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('consumers and auth', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  const keys: Record<string, string> = {};
  const tmp = tempDir();

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('u');
    const jwksFile = join(tmp.dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...rsaJwks.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }));
    await configure(gw, (r) => {
      r.secrets.put('hs-key', HS_SECRET, 'cli');
      r.consumers.store.create({ name: 'alice' }, 'cli');
      r.consumers.store.create({ name: 'bob', groups: ['team-a'] }, 'cli');
      r.consumers.store.create({ name: 'carol' }, 'cli');
      r.consumers.store.create({ name: 'hs-app', jwt: { issuer: 'https://hs.example', algorithms: ['HS256'], secretRef: 'hs-key', audience: 'agate' } }, 'cli');
      r.consumers.store.create({ name: 'rs-app', groups: ['team-a'], jwt: { issuer: 'https://rs.example', publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }) } }, 'cli');
      r.consumers.store.create({ name: 'jwks-app', jwt: { issuer: 'https://jwks.example', jwksFile } }, 'cli');
      r.consumers.store.create({ name: 'dave', basicAuth: { username: 'dave', passwordHash: hashPassword('s3cret') } }, 'cli');
      for (const c of ['alice', 'bob', 'carol']) keys[c] = r.consumers.issueKey(c, 'cli').key;
      r.routes.create({ name: 'any', path: '/any', upstream: upstream.url, auth: { keyQuery: 'apikey' } }, 'cli');
      r.routes.create({ name: 'team', path: '/team', upstream: upstream.url, auth: { allow: ['alice', 'team-a'] } }, 'cli');
      r.routes.create({ name: 'keys-only', path: '/keys-only', upstream: upstream.url, auth: { methods: ['key'] } }, 'cli');
      r.routes.create(
        { name: 'injects', path: '/injects', upstream: upstream.url, auth: {}, requestHeaders: { set: { authorization: 'Bearer gateway-owned' } } },
        'cli',
      );
      r.routes.create({ name: 'forwards', path: '/forwards', upstream: upstream.url, auth: { forwardCredentials: true } }, 'cli');
    });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
    tmp.cleanup();
  });

  it('stores keys only as hashes', () => {
    const rows = gw.registry.db.prepare('SELECT key_hash, key_prefix FROM consumer_keys').all() as Array<{ key_hash: string; key_prefix: string }>;
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(Object.values(keys)).not.toContain(row.key_hash);
    expect(JSON.stringify(rows)).not.toContain(keys.alice!.slice(12));
  });

  const cases: Array<[string, string, () => Record<string, string>, number, string | undefined]> = [
    ['no credentials', '/any', () => ({}), 401, 'GW_ERR_AUTH_MISSING'],
    ['x-api-key', '/any', () => ({ 'x-api-key': keys.alice! }), 200, 'alice'],
    ['bearer API key', '/any', () => ({ authorization: `Bearer ${keys.bob}` }), 200, 'bob'],
    ['wrong key', '/any', () => ({ 'x-api-key': 'agk_wrong' }), 401, 'GW_ERR_AUTH_INVALID'],
    ['allowed by name', '/team', () => ({ 'x-api-key': keys.alice! }), 200, 'alice'],
    ['allowed by group', '/team', () => ({ 'x-api-key': keys.bob! }), 200, 'bob'],
    ['not allowed', '/team', () => ({ 'x-api-key': keys.carol! }), 403, 'GW_ERR_AUTH_FORBIDDEN'],
    ['HS256', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://hs.example', aud: 'agate', exp: now() + 60 }, 'HS256', HS_SECRET)}` }), 200, 'hs-app'],
    ['HS256 wrong secret', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://hs.example', aud: 'agate' }, 'HS256', 'nope')}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['HS256 wrong audience', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://hs.example', aud: 'other' }, 'HS256', HS_SECRET)}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['expired', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://hs.example', aud: 'agate', exp: now() - 3600 }, 'HS256', HS_SECRET)}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['not yet valid', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://hs.example', aud: 'agate', nbf: now() + 3600 }, 'HS256', HS_SECRET)}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['alg none', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://hs.example', aud: 'agate' }, 'none')}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['RS256 PEM', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://rs.example' }, 'RS256', rsa.privateKey)}` }), 200, 'rs-app'],
    ['RS256 group allowed', '/team', () => ({ authorization: `Bearer ${jwt({ iss: 'https://rs.example' }, 'RS256', rsa.privateKey)}` }), 200, 'rs-app'],
    ['RS256 signed by another key', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://rs.example' }, 'RS256', rsaJwks.privateKey)}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['RS256 from JWKS', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://jwks.example' }, 'RS256', rsaJwks.privateKey, 'k1')}` }), 200, 'jwks-app'],
    ['unknown issuer', '/any', () => ({ authorization: `Bearer ${jwt({ iss: 'https://evil.example' }, 'HS256', HS_SECRET)}` }), 401, 'GW_ERR_AUTH_INVALID'],
    ['basic', '/any', () => ({ authorization: basic('dave', 's3cret') }), 200, 'dave'],
    ['basic wrong password', '/any', () => ({ authorization: basic('dave', 'guess') }), 401, 'GW_ERR_AUTH_INVALID'],
    ['JWT on a keys-only route', '/keys-only', () => ({ authorization: `Bearer ${jwt({ iss: 'https://rs.example' }, 'RS256', rsa.privateKey)}` }), 401, 'GW_ERR_AUTH_MISSING'],
  ];

  it.each(cases)('%s → %s %i', async (_name, path, headers, status, expected) => {
    const res = await fetch(gw.url + path + '/x', { headers: headers() });
    expect(res.status).toBe(status);
    const body = await res.json();
    if (status === 200) {
      expect(body.url).toBe(path + '/x');
      expect(gw.logs.at(-1)).toMatchObject({ status: 200 });
      expect(upstream.requests.at(-1)!.url).toBe(path + '/x');
      expect(lastConsumerLog(gw)).toBe(expected);
    } else {
      expect(body.error.code).toBe(expected);
      expect(gw.logs.at(-1)).toMatchObject({ status, flag: 'UAEX' });
      if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/realm="agate"/);
    }
  });

  it('accepts the key as a query parameter and does not forward it', async () => {
    const res = await fetch(`${gw.url}/any/q?apikey=${keys.alice}&keep=1`);
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.url).toBe('/any/q?keep=1');
  });

  it('never forwards the client credentials; the route sets its own Authorization', async () => {
    await fetch(`${gw.url}/any/x`, { headers: { 'x-api-key': keys.alice! } });
    expect(upstream.requests.at(-1)!.headers['x-api-key']).toBeUndefined();
    await fetch(`${gw.url}/injects/x`, { headers: { authorization: `Bearer ${keys.alice}` } });
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer gateway-owned');
    await fetch(`${gw.url}/forwards/x`, { headers: { authorization: `Bearer ${keys.alice}` } });
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${keys.alice}`);
  });

  // Browsers do not separate cookies by port: signed in to the console on 127.0.0.1, they send its session cookie
  // to every route on that host. It is the admin's credential and never reaches an upstream; other cookies do.
  it.each([
    ['a=1; agate_console=s3ss10n; b=2', 'a=1; b=2'],
    ['agate_console=s3ss10n', undefined],
    ['agate_console=s3ss10n; theme=dark', 'theme=dark'],
    ['not_agate_console=1', 'not_agate_console=1'],
  ])('never forwards the console session cookie: %s', async (cookie, forwarded) => {
    await fetch(`${gw.url}/forwards/x`, { headers: { cookie, authorization: `Bearer ${keys.alice}` } });
    expect(upstream.requests.at(-1)!.headers.cookie).toBe(forwarded);
  });

  it('a key issued while the gateway runs works after the reload; a removed consumer stops working', async () => {
    let key = '';
    await configure(gw, (r) => {
      r.consumers.store.create({ name: 'erin' }, 'cli');
      key = r.consumers.issueKey('erin', 'cli').key;
    });
    expect((await fetch(`${gw.url}/any/x`, { headers: { 'x-api-key': key } })).status).toBe(200);
    await configure(gw, (r) => r.consumers.store.remove('erin', 'cli'));
    expect((await fetch(`${gw.url}/any/x`, { headers: { 'x-api-key': key } })).status).toBe(401);
  });
});

/** The consumer the auth filter set, as the access log recorded it. */
function lastConsumerLog(gw: TestGateway): string | undefined {
  return gw.logs.at(-1)?.consumer as string | undefined;
}
