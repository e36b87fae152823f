import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

// `upstreamAuth.type: authorization_code` (the per-user token vault) from the CLI and the admin API, validated
// before anything is stored.
const SECRET = 'vault-client-secret-4d5e6f';

describe('agate mcp add --upstream-auth authorization-code', () => {
  let gw: TestGateway;
  const cli = (...args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });
  const url = 'http://127.0.0.1:9/mcp';

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('with an issuer and a client secret: stored with the secret encrypted, never printed', async () => {
    const r = await cli('mcp', 'add', 'files', url, '--upstream-auth', 'authorization-code', '--token-issuer', 'https://login.example.com', '--client-id', 'agate', '--client-secret', SECRET, '--token-scope', 'files:read offline_access', '--token-resource', 'https://files.example.com/mcp', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(SECRET);
    expect(gw.registry.mcpServers.get('files')!.backend).toMatchObject({
      kind: 'remote',
      upstreamAuth: { type: 'authorization_code', issuer: 'https://login.example.com', clientId: 'agate', clientSecret: 'mcp.files.a.client-secret', scope: 'files:read offline_access', resource: 'https://files.example.com/mcp' },
    });
    expect(gw.registry.secrets.get('mcp.files.a.client-secret')).toBe(SECRET);
  });

  it('a public client: authorization and token URLs, no secret', async () => {
    const r = await cli('mcp', 'add', 'docs', url, '--upstream-auth', 'authorization-code', '--authorization-url', 'https://as.example.com/authorize', '--token-url', 'https://as.example.com/token', '--client-id', 'agate-public');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const auth = (gw.registry.mcpServers.get('docs')!.backend as { upstreamAuth?: Record<string, unknown> }).upstreamAuth;
    expect(auth).toEqual({ type: 'authorization_code', authorizationUrl: 'https://as.example.com/authorize', tokenUrl: 'https://as.example.com/token', clientId: 'agate-public' });
  });

  it.each([
    [['--upstream-auth', 'authorization-code', '--client-id', 'a'], '--upstream-auth authorization-code needs --token-issuer, or --authorization-url and --token-url'],
    [['--upstream-auth', 'authorization-code', '--authorization-url', 'https://as.example.com/a', '--client-id', 'a'], '--upstream-auth authorization-code needs --token-issuer, or --authorization-url and --token-url'],
    [['--upstream-auth', 'authorization-code', '--token-issuer', 'https://as.example.com', '--client-id', 'a', '--token-audience', 'x'], '--token-audience does not apply to --upstream-auth authorization-code'],
    [['--upstream-auth', 'client-credentials', '--token-url', 'https://as.example.com/t', '--client-id', 'a', '--client-secret', 'b', '--token-issuer', 'https://as.example.com'], '--token-issuer applies to --upstream-auth authorization-code only'],
    [['--upstream-auth', 'authorization-code', '--token-issuer', 'not a url', '--client-id', 'a'], 'backend.upstreamAuth.issuer'],
    [['--authorization-url', 'https://as.example.com/a'], '--authorization-url needs --upstream-auth client-credentials, token-exchange or authorization-code'],
  ])('refuses %j naming the flag', async (flags, message) => {
    const r = await cli('mcp', 'add', 'bad', url, ...flags);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(gw.registry.mcpServers.get('bad')).toBeUndefined();
  });

  it('admin API: an authorization_code server without issuer or endpoints is a 400 naming what is missing', async () => {
    const res = await fetch(`${gw.adminUrl}/mcp-servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad', backend: { kind: 'remote', url, transport: 'streamable-http', upstreamAuth: { type: 'authorization_code', clientId: 'a' } } }),
    });
    expect(res.status).toBe(400);
    const message = ((await res.json()) as { error: { message: string } }).error.message;
    for (const field of ['issuer', 'authorizationUrl', 'tokenUrl']) expect(message).toContain(`mcpServer.backend.upstreamAuth.${field}: is required`);
  });
});
