import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { addMcpServer, connectMcp, initializeRequest, rawPost } from '../../helpers/mcp.js';
import { CLIENT_SECRET, startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';

describe('OAuth config: admin API, introspection, bundles, API keys alongside', () => {
  let gw: TestGateway;
  let idp: TestOidcProvider;
  let upstream: RemoteMcpUpstream;
  let devKey: string;
  const resource = (name: string) => `${gw.url}/mcp/${name}`;
  const backend = () => ({ kind: 'remote' as const, url: upstream.url, transport: 'streamable-http' as const, headers: {} });
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${gw.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    idp = await startOidcProvider();
    idp.addClient('alice', 'mcp:tools mcp:admin');
    idp.addClient('gateway', '');
    upstream = await startRemoteMcpUpstream();
    gw = await startTestGateway();
    gw.registry.consumers.store.create({ name: 'dev', groups: [] }, 'cli');
    devKey = gw.registry.consumers.issueKey('dev', 'cli').key;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await idp?.close();
  });

  it('creates, shows and refuses OAuth servers through the admin API, naming the field', async () => {
    const spec = { name: 'viaadmin', backend: backend(), auth: { type: 'oauth', issuer: idp.issuer, scopes: ['mcp:tools'] } };
    expect((await admin('POST', '/mcp-servers', spec)).status).toBe(201);
    const shown = await (await admin('GET', '/mcp-servers/viaadmin')).json();
    expect(JSON.stringify(shown)).toContain(idp.issuer);
    const bad = await admin('PUT', '/mcp-servers/viaadmin', { ...spec, auth: { type: 'oauth', issuer: idp.issuer, scopes: ['has space'] } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('mcpServer.auth.scopes');
    const noIssuer = await admin('PUT', '/mcp-servers/viaadmin', { ...spec, auth: { type: 'oauth', scopes: [] } });
    expect(noIssuer.status).toBe(400);
    expect(JSON.stringify(await noIssuer.json())).toContain('issuer');
    // An introspection secret that is not stored: refused at write time, not served open later.
    const missing = await admin('PUT', '/mcp-servers/viaadmin', { ...spec, auth: { ...spec.auth, introspection: { url: `${idp.issuer}/token/introspection`, clientId: 'gateway', clientSecret: 'nope' } } });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain('auth.introspection.clientSecret');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('viaadmin')?.oauth, 'the server to be served');
    expect((await rawPost(resource('viaadmin'), initializeRequest())).status).toBe(401);
  });

  it('checks opaque tokens by introspection (RFC 7662)', async () => {
    gw.registry.secrets.put('idp-secret', CLIENT_SECRET, 'cli');
    const introspection = { url: `${idp.issuer}/token/introspection`, clientId: 'gateway', clientSecret: 'idp-secret' };
    await addMcpServer(gw, { name: 'notes-opaque', backend: backend(), auth: { type: 'oauth', issuer: idp.issuer, scopes: ['mcp:tools'], introspection } });
    const token = await idp.clientToken('alice', resource('notes-opaque'), 'mcp:tools');
    expect(token.split('.')).toHaveLength(1);
    const client = await connectMcp(gw, 'notes-opaque', { headers: { authorization: `Bearer ${token}` } });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    const other = await idp.clientToken('alice', `${gw.url}/mcp/else-opaque`, 'mcp:tools');
    const refused = await rawPost(resource('notes-opaque'), initializeRequest(), { authorization: `Bearer ${other}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('keeps API keys working on servers without OAuth, and a bundle cannot open an OAuth member to others', async () => {
    await addMcpServer(gw, { name: 'keyed', backend: backend(), access: { consumers: ['dev'] } });
    await addMcpServer(gw, { name: 'guarded', backend: backend(), auth: { type: 'oauth', issuer: idp.issuer, scopes: ['mcp:admin'] } });
    await addMcpServer(gw, { name: 'mixed', backend: { kind: 'bundle', members: ['keyed', 'guarded'], separator: '___', prefix: 'always' } });
    const keyed = await connectMcp(gw, 'keyed', { headers: { 'x-api-key': devKey } });
    expect((await keyed.listTools()).tools.length).toBeGreaterThan(0);
    await keyed.close();
    // Through the bundle, the API-key consumer reaches its own member and nothing of the OAuth one.
    const viaBundle = await connectMcp(gw, 'mixed', { headers: { 'x-api-key': devKey } });
    const names = (await viaBundle.listTools()).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('keyed___'))).toBe(true);
    expect(names.some((n) => n.startsWith('guarded___'))).toBe(false);
    await expect(viaBundle.callTool({ name: 'guarded___echo', arguments: { message: 'x' } })).rejects.toThrow();
    await viaBundle.close();
  });
  it('holds back an OAuth server that would pass the client\'s Authorization (its access token) to the upstream', async () => {
    // MCP authorization (2025-11-25 §Token Passthrough): a server must not pass the token it was given upstream.
    const spec = { name: 'leaky', backend: { ...backend(), passthroughAuthHeader: true }, auth: { type: 'oauth', issuer: idp.issuer, scopes: [] } };
    expect((await admin('POST', '/mcp-servers', spec)).status).toBe(201);
    await waitFor(() => gw.snapshots.current()?.heldBack.some((p) => p.includes('"leaky"')), 'the problem to be reported');
    expect(gw.snapshots.current()?.mcp.servers.has('leaky')).toBe(false);
    const token = await idp.clientToken('alice', resource('leaky'), 'mcp:tools');
    const before = upstream.requests.length;
    // Not served: the token is nobody's agate key (401), and without one the endpoint does not exist (404).
    expect((await rawPost(resource('leaky'), initializeRequest(), { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await rawPost(resource('leaky'), initializeRequest())).status).toBe(404);
    expect(upstream.requests.length).toBe(before);
  });
});
