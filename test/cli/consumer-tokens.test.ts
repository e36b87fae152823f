import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

// The per-user token vault's grants, as the operator sees them: servers, scopes and expiry, never a token.
const TOKENS = ['at-alice-files-7f3a9c', 'rt-alice-files-51be02', 'at-alice-crm-0c1d2e', 'at-bob-files-99aa11', 'rt-bob-files-22bb33'];

describe('agate consumer tokens list|revoke and the admin API', () => {
  let gw: TestGateway;
  const cli = (...args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });
  const admin = (path: string, method = 'GET') => fetch(`${gw.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${gw.adminToken.token}` } });
  const expiresAt = Date.parse('2031-01-02T03:04:05.000Z');

  beforeAll(async () => {
    gw = await startTestGateway();
    const vault = gw.registry.vaultTokens;
    vault.put({ consumer: 'alice', server: 'files' }, { accessToken: TOKENS[0]!, refreshToken: TOKENS[1], scope: 'files:read', expiresAt });
    vault.put({ consumer: 'alice', server: 'crm' }, { accessToken: TOKENS[2]! });
    vault.put({ consumer: 'bob', server: 'files' }, { accessToken: TOKENS[3]!, refreshToken: TOKENS[4], scope: 'files:read', expiresAt });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const noTokens = (text: string) => {
    for (const t of TOKENS) expect(text).not.toContain(t);
  };

  it('list --json: one entry per server with scope, expiry and whether it renews itself; no token', async () => {
    const { code, stdout, stderr } = await cli('consumer', 'tokens', 'list', 'alice', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    noTokens(stdout);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.server)).toEqual(['crm', 'files']);
    expect(rows[1]).toMatchObject({ consumer: 'alice', server: 'files', scope: 'files:read', expiresAt: '2031-01-02T03:04:05.000Z', refreshable: true });
    expect(rows[0]).toMatchObject({ server: 'crm', scope: null, expiresAt: null, refreshable: false });
  });

  it('list as a table: the servers, no token', async () => {
    const { code, stdout } = await cli('consumer', 'tokens', 'list', 'alice');
    expect(code).toBe(0);
    expect(stdout).toMatch(/files\s+files:read\s+2031-01-02T03:04:05.000Z\s+yes/);
    noTokens(stdout);
  });

  it('revoke --server drops that grant only; other servers and other consumers keep theirs', async () => {
    const { code, stdout } = await cli('consumer', 'tokens', 'revoke', 'alice', '--server', 'crm');
    expect(code).toBe(0);
    expect(stdout).toContain('alice: upstream tokens revoked for crm');
    expect(gw.registry.vaultTokens.list('alice').map((g) => g.server)).toEqual(['files']);
    expect(gw.registry.vaultTokens.get('bob', 'files')?.accessToken).toBe(TOKENS[3]);
    const audit = await (await admin('/audit?entity=vault-token')).text();
    expect(audit).toContain('alice/crm');
    noTokens(audit);
  });

  it('revoke without --server drops every grant of the consumer', async () => {
    expect((await cli('consumer', 'tokens', 'revoke', 'alice')).stdout).toContain('revoked for files');
    expect(gw.registry.vaultTokens.list('alice')).toEqual([]);
  });

  it('revoking what is not there is an error naming it', async () => {
    const { code, stderr } = await cli('consumer', 'tokens', 'revoke', 'alice', '--server', 'files');
    expect(code).not.toBe(0);
    expect(stderr).toContain('no upstream tokens stored for consumer "alice" at server "files"');
  });

  it('admin API: GET lists without tokens, DELETE revokes, a second DELETE is 404', async () => {
    const listed = await admin('/consumers/bob/tokens');
    expect(listed.status).toBe(200);
    const text = await listed.text();
    noTokens(text);
    expect((JSON.parse(text) as { items: Array<{ server: string }> }).items.map((i) => i.server)).toEqual(['files']);
    const revoked = await admin('/consumers/bob/tokens?server=files', 'DELETE');
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ revoked: ['files'] });
    const again = await admin('/consumers/bob/tokens?server=files', 'DELETE');
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_ADMIN_NOT_FOUND');
  });
});
