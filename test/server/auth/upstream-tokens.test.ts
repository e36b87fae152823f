import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamTokenSource, UpstreamTokenError } from '../../../server/auth/upstream-tokens.js';
import { startExchangeEndpoint, type ExchangeEndpoint } from '../../helpers/token-server.js';
import { startUpstream } from '../../helpers/loopback-upstream.js';

// The wire format is RFC 8693's (§2.1 request, §2.2.1 response) with RFC 6749 §2.3.1 client authentication; the
// loopback endpoint checks it and answers as the RFC's examples do.

describe('upstream token source (RFC 8693 token exchange, RFC 6749 client credentials)', () => {
  let endpoint: ExchangeEndpoint;
  beforeAll(async () => {
    endpoint = await startExchangeEndpoint({ id: 'agate gw', secret: 's3cr:et&', expiresIn: 60 });
  });
  afterAll(async () => {
    await endpoint?.close();
  });

  const exchange = (now: () => number) =>
    upstreamTokenSource({ type: 'token_exchange', tokenUrl: endpoint.tokenUrl, clientId: 'agate gw', clientSecret: 's3cr:et&', audience: 'billing' }, now);

  it('sends the RFC 8693 request: form-encoded grant, subject token and type, audience; client id and secret in Basic', async () => {
    const token = await exchange(Date.now).token('alice-at');
    expect(token).toBe(`x-billing-alice-at-${endpoint.requests.length}`);
    const sent = endpoint.requests.at(-1)!;
    expect(sent.form).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'alice-at',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'billing',
    });
    // RFC 6749 §2.3.1: "agate gw" and "s3cr:et&" form-encoded (space as +, ':' and '&' escaped), then base64.
    expect(sent.authorization).toBe(`Basic ${Buffer.from('agate+gw:s3cr%3Aet%26').toString('base64')}`);
  });

  it('caches per subject until shortly before expires_in, then exchanges again; two subjects never share a token', async () => {
    let clock = 1_000_000;
    const source = exchange(() => clock);
    const before = endpoint.requests.length;
    const [a1, b1] = await Promise.all([source.token('alice-at'), source.token('bob-at')]);
    expect(a1).toMatch(/-alice-at-/);
    expect(b1).toMatch(/-bob-at-/);
    clock += 50_000;
    expect(await source.token('alice-at')).toBe(a1);
    expect(await source.token('bob-at')).toBe(b1);
    expect(endpoint.requests.length - before).toBe(2);
    // 60 s tokens are renewed 6 s early (a tenth of their life).
    clock += 5_000;
    const a2 = await source.token('alice-at');
    expect(a2).not.toBe(a1);
    expect(endpoint.requests.length - before).toBe(3);
  });

  it('single flight: 100 concurrent calls for one subject make one exchange', async () => {
    const source = exchange(Date.now);
    const before = endpoint.requests.length;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => source.token('carol-at')));
    expect(new Set(tokens).size).toBe(1);
    expect(endpoint.requests.length - before).toBe(1);
  });

  it('a rejected token is forgotten for that subject only', async () => {
    const source = exchange(Date.now);
    const a = await source.token('dave-at');
    const e = await source.token('erin-at');
    source.rejected(a, 'dave-at');
    expect(await source.token('dave-at')).not.toBe(a);
    expect(await source.token('erin-at')).toBe(e);
  });

  it.each([
    ['the endpoint refuses the grant', { subject: 'revoked' }, /answered HTTP 400: invalid_grant \(subject token revoked\)/],
    ['the client secret is wrong', { secret: 'nope' }, /answered HTTP 401: invalid_client/],
    ['no subject token', { subject: '' }, /no bearer token to exchange/],
  ])('%s: an UpstreamTokenError naming the OAuth error, never the secret', async (_what, c: { subject?: string; secret?: string }, message) => {
    const source = upstreamTokenSource({ type: 'token_exchange', tokenUrl: endpoint.tokenUrl, clientId: 'agate gw', clientSecret: c.secret ?? 's3cr:et&' });
    const err = await source.token(c.subject ?? 'frank-at').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTokenError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('nope');
  });

  it('an unreachable endpoint fails fast with its reason', async () => {
    const source = upstreamTokenSource({ type: 'client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'a', clientSecret: 'b' });
    await expect(source.token()).rejects.toThrow(/unreachable/);
  });

  it('reads at most 64 KiB of a token endpoint\'s answer: a larger one is refused, not buffered', async () => {
    // An endless stream of JSON whitespace: the answer never ends on its own, so only the bound ends the read.
    const hostile = await startUpstream('huge-token-answer', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = ' '.repeat(16 * 1024);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    try {
      const source = upstreamTokenSource({ type: 'client_credentials', tokenUrl: `${hostile.url}/token`, clientId: 'c', clientSecret: 's' });
      const started = Date.now();
      const err = await source.token().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamTokenError);
      expect((err as Error).message).toContain('larger than 65536 bytes');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await hostile.close();
    }
  });
});
