import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startLoopProbe } from '../../helpers/loop-probe.js';
import { addMcpServer, connectMcp, initializeRequest, rawPost } from '../../helpers/mcp.js';
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('MCP servers as OAuth 2.1 resource servers', () => {
  let gw: TestGateway;
  let idp: TestOidcProvider;
  let upstream: RemoteMcpUpstream;
  let hanging: Server;
  const resource = (name: string) => `${gw.url}/mcp/${name}`;
  const metadataUrl = (name: string) => `${gw.url}/.well-known/oauth-protected-resource/mcp/${name}`;
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: idp.issuer, aud: resource('notes'), sub: 'alice', scope: 'mcp:tools', iat: now(), exp: now() + 300, ...extra });
  const initialize = (name: string, token?: string) => rawPost(resource(name), initializeRequest(), token === undefined ? {} : { authorization: `Bearer ${token}` });

  beforeAll(async () => {
    idp = await startOidcProvider();
    idp.addClient('alice', 'mcp:tools mcp:admin');
    idp.addClient('bob', 'mcp:tools');
    idp.addClient('carol', 'mcp:admin');
    idp.addClient('erin', 'mcp:tools');
    upstream = await startRemoteMcpUpstream();
    // An IdP that accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    gw = await startTestGateway({ gateway: { oauth: { timeoutMs: 1000, cooldownMs: 300 } } });
    const backend = { kind: 'remote' as const, url: upstream.url, transport: 'streamable-http' as const, headers: {} };
    const auth = { type: 'oauth' as const, issuer: idp.issuer, scopes: ['mcp:tools'] };
    await addMcpServer(gw, { name: 'notes', backend, auth, access: { tools: { big: ['scope:mcp:admin'], hang: ['sub:bob'] } }, rateLimit: { perConsumer: { requests: 4, windowSeconds: 3600 } } });
    await addMcpServer(gw, { name: 'other', backend, auth });
    const slowJwks = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/jwks`;
    await addMcpServer(gw, { name: 'slow', backend, auth: { ...auth, jwksUri: slowJwks } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await idp?.close();
    hanging?.closeAllConnections();
    hanging?.close();
  });

  it('publishes Protected Resource Metadata naming the issuer and the scopes (RFC 9728 §2, §3.1)', async () => {
    const res = await fetch(metadataUrl('notes'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = await res.json();
    expect(doc).toMatchObject({ resource: resource('notes'), authorization_servers: [idp.issuer], scopes_supported: ['mcp:tools'], bearer_methods_supported: ['header'] });
    // Two protected servers: the bare well-known path names neither; an unprotected or unknown name has none.
    expect((await fetch(`${gw.url}/.well-known/oauth-protected-resource`)).status).toBe(404);
    expect((await fetch(`${gw.url}/.well-known/oauth-protected-resource/mcp/nope`)).status).toBe(404);
    // agate never poses as the authorization server.
    expect((await fetch(`${gw.url}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await fetch(`${gw.url}/.well-known/openid-configuration`)).status).toBe(404);
  });

  it('answers a request without a token 401 with the challenge MCP clients start discovery from (RFC 9728 §5.1)', async () => {
    const res = await initialize('notes');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl('notes')}", scope="mcp:tools"`);
  });

  // Each is refused at the door (RFC 6750 §3.1): 401 invalid_token, or 403 insufficient_scope; none reaches the upstream.
  const badTokens: Array<[string, () => Promise<string>, number, string]> = [
    ['expired', () => idp.sign(claims({ iat: now() - 600, exp: now() - 120 })), 401, 'invalid_token'],
    ['not yet valid', () => idp.sign(claims({ nbf: now() + 600 })), 401, 'invalid_token'],
    ['wrong issuer', () => idp.sign(claims({ iss: 'http://127.0.0.1:9/' })), 401, 'invalid_token'],
    ['wrong audience', () => idp.sign(claims({ aud: 'https://api.example.com/mcp' })), 401, 'invalid_token'],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`, 401, 'invalid_token'],
    [
      'HS256 signed with the RSA public key',
      async () => {
        const input = `${b64({ alg: 'HS256', kid: idp.key.kid, typ: 'at+jwt' })}.${b64(claims())}`;
        const { createPublicKey } = await import('node:crypto');
        const pem = createPublicKey({ key: idp.key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
        return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      },
      401,
      'invalid_token',
    ],
    ['unknown kid', async () => idp.sign(claims(), {}, await idp.foreignKey()), 401, 'invalid_token'],
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await idp.clientToken('bob', resource('notes'), 'mcp:tools')).split('.');
        return `${h}.${b64(claims({ sub: 'alice', scope: 'mcp:tools mcp:admin' }))}.${s}`;
      },
      401,
      'invalid_token',
    ],
    ['token for another MCP server on the gateway', () => idp.clientToken('alice', resource('other'), 'mcp:tools'), 401, 'invalid_token'],
    ['an opaque string (no introspection configured)', async () => 'agk_not-a-jwt', 401, 'invalid_token'],
    ['missing scope', () => idp.clientToken('carol', resource('notes'), 'mcp:admin'), 403, 'insufficient_scope'],
  ];

  it.each(badTokens)('refuses a token that is %s, and the upstream never sees it', async (_what, make, status, error) => {
    const token = await make();
    const seen = upstream.requests.length;
    const res = await initialize('notes', token);
    expect(res.status).toBe(status);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`error="${error}"`);
    expect(challenge).toContain(`resource_metadata="${metadataUrl('notes')}"`);
    expect(challenge).toContain('scope="mcp:tools"');
    const body = await res.json();
    expect(body.error.data.code).toBe(status === 401 ? 'GW_ERR_AUTH_INVALID' : 'GW_ERR_AUTH_INSUFFICIENT_SCOPE');
    expect(upstream.requests.length).toBe(seen);
  });

  it('serves a valid token’s holder, and never forwards the token upstream', async () => {
    const token = await idp.clientToken('erin', resource('notes'), 'mcp:tools');
    const client = await connectMcp(gw, 'notes', { headers: { authorization: `Bearer ${token}` } });
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    expect(JSON.stringify(result.content)).toContain('hi');
    await client.close();
    expect(upstream.requests.length).toBeGreaterThan(0);
    for (const r of upstream.requests) expect(JSON.stringify(r.headers)).not.toContain(token.split('.')[2]!);
  });

  it('keeps two subjects apart: sessions, tool allow lists by scope and subject, quotas', async () => {
    const [aliceToken, bobToken] = await Promise.all([idp.clientToken('alice', resource('notes'), 'mcp:tools mcp:admin'), idp.clientToken('bob', resource('notes'), 'mcp:tools')]);
    const [alice, bob] = await Promise.all([
      connectMcp(gw, 'notes', { headers: { authorization: `Bearer ${aliceToken}` } }),
      connectMcp(gw, 'notes', { headers: { authorization: `Bearer ${bobToken}` } }),
    ]);
    const [aliceTools, bobTools] = await Promise.all([alice.listTools(), bob.listTools()]);
    const names = (l: { tools: Array<{ name: string }> }) => l.tools.map((t) => t.name);
    // `big` needs scope mcp:admin (alice has it), `hang` is for subject bob only.
    expect(names(aliceTools)).toContain('big');
    expect(names(aliceTools)).not.toContain('hang');
    expect(names(bobTools)).toContain('hang');
    expect(names(bobTools)).not.toContain('big');
    await expect(bob.callTool({ name: 'big', arguments: { bytes: 1 } })).rejects.toBeInstanceOf(McpError);
    // Alice's session is hers: bob's valid token does not open it (the same 404 as an unknown session).
    const aliceSession = (alice.transport as unknown as { sessionId: string }).sessionId;
    const stolen = await rawPost(resource('notes'), { jsonrpc: '2.0', id: 9, method: 'tools/list' }, { authorization: `Bearer ${bobToken}`, 'mcp-session-id': aliceSession, 'mcp-protocol-version': '2025-06-18' });
    expect(stolen.status).toBe(404);
    // The per-consumer quota (4 calls) is per subject: alice spends hers, bob still has his.
    const call = (c: typeof alice) => c.callTool({ name: 'echo', arguments: { message: 'x' } }).then(() => 'ok', (e: McpError) => e.data);
    const aliceCalls = [];
    for (let i = 0; i < 5; i++) aliceCalls.push(await call(alice));
    expect(aliceCalls.slice(0, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(aliceCalls[4]).toMatchObject({ code: 'GW_ERR_RATE_LIMITED' });
    expect(await call(bob)).toBe('ok');
    await Promise.all([alice.close(), bob.close()]);
  });

  it('remembers a verified token no longer than it is valid (exp + 30 s skew)', async () => {
    // Expired 28 s ago: still inside the 30 s skew, so accepted (and remembered); refused once the skew has passed.
    // Probed with a request that opens no session: past the door it is refused for lacking Mcp-Session-Id (400).
    const token = await idp.sign(claims({ sub: 'dora', iat: now() - 60, exp: now() - 28 }));
    const probe = () => rawPost(resource('notes'), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: `Bearer ${token}` }).then((r) => r.status);
    expect(await probe()).toBe(400);
    await waitFor(async () => (await probe()) === 401, 'the remembered token to expire', 6000);
  });

  it('picks up a rotated key (new kid) and fetches the JWKS at most once per cooldown for unknown kids', async () => {
    await idp.rotateKey();
    const token = await idp.clientToken('alice', resource('other'), 'mcp:tools');
    // The new kid is unknown to the cached set until its cooldown (300 ms) has passed: then one refetch finds it.
    await waitFor(async () => (await initialize('other', token)).status === 200, 'the rotated key to be accepted', 10_000);
    const before = idp.jwksRequests;
    const foreign = await idp.foreignKey();
    const forged = await Promise.all(Array.from({ length: 20 }, () => idp.sign(claims({ aud: resource('other') }), {}, foreign)));
    const statuses = await Promise.all(forged.map((t) => initialize('other', t).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    // Twenty unknown kids at once: at most one refetch (jose's cooldown), not twenty.
    expect(idp.jwksRequests - before).toBeLessThanOrEqual(1);
  });

  it('answers 503 within the timeout while the IdP hangs, and the event loop keeps running', async () => {
    const token = await idp.sign(claims({ aud: resource('slow') }));
    const probe = startLoopProbe();
    const started = performance.now();
    const slow = initialize('slow', token);
    // Meanwhile other traffic is served at once.
    const quick = performance.now();
    const other = await initialize('notes');
    const quickMs = performance.now() - quick;
    const res = await slow;
    const tookMs = performance.now() - started;
    const stall = probe.stop();
    expect(other.status).toBe(401);
    expect(quickMs).toBeLessThan(200);
    expect(res.status).toBe(503);
    expect((await res.json()).error.data.code).toBe('GW_ERR_AUTH_SERVER_UNAVAILABLE');
    expect(tookMs).toBeLessThan(4000);
    expect(stall).toBeLessThan(100);
  });
});
