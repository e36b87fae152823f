// The web console's session cookie is one more way to present the admin token, never a way around it: a forged
// cookie is refused like a wrong token, and a cookie-authenticated write must carry the console's header and an
// Origin naming the admin listener (CSRF). Expected values come from RFC 6265 (cookie attributes), the Fetch
// spec (Origin on non-GET requests) and docs/errors.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

describe('console sign-in and CSRF', () => {
  let gw: TestGateway;
  let origin: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    origin = new URL(gw.adminUrl).origin;
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** Signs in as the console does; returns the `name=value` pair to send back. */
  async function signIn(): Promise<string> {
    const res = await fetch(`${gw.adminUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-agate-console': '1', origin },
      body: JSON.stringify({ token: gw.adminToken.token }),
    });
    expect(res.status).toBe(204);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }

  const write = (cookie: string | undefined, headers: Record<string, string> = {}) =>
    fetch(`${gw.adminUrl}/upstreams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie && { cookie }), ...headers },
      body: JSON.stringify({ name: `u-${Math.random().toString(36).slice(2, 8)}`, targets: [{ url: 'http://127.0.0.1:9' }] }),
    });

  it('serves the console page with a self-only Content-Security-Policy, no token needed', async () => {
    const res = await fetch(`${gw.adminUrl}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    // Works with no network: nothing loaded from elsewhere.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('sets an HttpOnly, SameSite=Strict, Path=/ cookie that does not hold the token', async () => {
    const res = await fetch(`${gw.adminUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-agate-console': '1', origin },
      body: JSON.stringify({ token: gw.adminToken.token }),
    });
    expect(res.status).toBe(204);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^agate_console=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain(gw.adminToken.token);
  });

  it('refuses a wrong token with GW_ERR_ADMIN_UNAUTHORIZED and sets no cookie', async () => {
    const res = await fetch(`${gw.adminUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-agate-console': '1', origin },
      body: JSON.stringify({ token: 'agt_not-the-token-at-all' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await res.json()).error.code).toBe('GW_ERR_ADMIN_UNAUTHORIZED');
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const res = await fetch(`${gw.adminUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ token: gw.adminToken.token }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('GW_ERR_ADMIN_CSRF');
  });

  it('reads with the cookie alone', async () => {
    const cookie = await signIn();
    const res = await fetch(`${gw.adminUrl}/routes`, { headers: { cookie } });
    expect(res.status).toBe(200);
  });

  it.each<[string, () => Promise<string | undefined>, Record<string, string>, number, string]>([
    ['no cookie', async () => undefined, { 'x-agate-console': '1' }, 401, 'GW_ERR_ADMIN_UNAUTHORIZED'],
    ['a forged cookie', async () => 'agate_console=' + 'A'.repeat(43), { 'x-agate-console': '1' }, 401, 'GW_ERR_ADMIN_UNAUTHORIZED'],
    ['the cookie without the console header', signIn, {}, 403, 'GW_ERR_ADMIN_CSRF'],
    ['the cookie and header but no Origin', signIn, { 'x-agate-console': '1' }, 403, 'GW_ERR_ADMIN_CSRF'],
    ['the cookie and header from a foreign Origin', signIn, { 'x-agate-console': '1', origin: 'http://evil.example' }, 403, 'GW_ERR_ADMIN_CSRF'],
    ['the cookie, header and Origin null', signIn, { 'x-agate-console': '1', origin: 'null' }, 403, 'GW_ERR_ADMIN_CSRF'],
  ])('a write with %s is refused', async (_what, cookie, headers, status, code) => {
    const before = gw.registry.upstreams.list().length;
    const res = await write(await cookie(), headers);
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe(code);
    expect(gw.registry.upstreams.list()).toHaveLength(before);
  });

  it('a write with the cookie, the header and our own Origin goes through', async () => {
    const res = await write(await signIn(), { 'x-agate-console': '1', origin });
    expect(res.status).toBe(201);
  });

  it('the Bearer token still works without the console header (CLI and scripts)', async () => {
    const res = await write(undefined, { authorization: `Bearer ${gw.adminToken.token}` });
    expect(res.status).toBe(201);
  });

  it('two sessions at once: signing one out leaves the other working', async () => {
    const [a, b] = [await signIn(), await signIn()];
    expect(a).not.toBe(b);
    const out = await fetch(`${gw.adminUrl}/console/session`, { method: 'DELETE', headers: { cookie: a, 'x-agate-console': '1', origin } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${gw.adminUrl}/routes`, { headers: { cookie: a } })).status).toBe(401);
    expect((await fetch(`${gw.adminUrl}/routes`, { headers: { cookie: b } })).status).toBe(200);
  });
});
