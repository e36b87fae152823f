import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { connectMcp } from '../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { startLoopbackOp, type LoopbackOp } from '../../helpers/token-server.js';

const RESOURCE = 'https://crm.example.com/mcp';
const SECRET = 'cli-client-secret-9b2e';

describe('agate mcp add --upstream-auth / --passthrough-auth', () => {
  let gw: TestGateway;
  let op: LoopbackOp;
  let upstream: RemoteMcpUpstream;
  const tokens: string[] = [];
  const clients: Client[] = [];
  const cli = (...args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });

  beforeAll(async () => {
    op = await startLoopbackOp({ id: 'agate-cli', secret: SECRET, resource: RESOURCE });
    const jwks = createRemoteJWKSet(new URL(op.jwksUrl));
    upstream = await startRemoteMcpUpstream(1, 0, {
      authorize: async (authorization) => {
        const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
        const ok = await jwtVerify(token, jwks, { issuer: op.issuer, audience: RESOURCE }).then(() => true, () => false);
        if (ok) tokens.push(token);
        return ok;
      },
    });
    gw = await startTestGateway();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await gw?.stop();
    await upstream?.close();
    await op?.close();
  });

  it('client-credentials: stored with the secret encrypted and masked; calls carry the OP\'s token', async () => {
    const r = await cli('mcp', 'add', 'crm', upstream.url, '--upstream-auth', 'client-credentials', '--token-url', op.tokenUrl, '--client-id', 'agate-cli', '--client-secret', SECRET, '--token-resource', RESOURCE, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spec = gw.registry.mcpServers.get('crm')!;
    expect(spec.backend).toMatchObject({ kind: 'remote', upstreamAuth: { type: 'client_credentials', tokenUrl: op.tokenUrl, clientId: 'agate-cli', clientSecret: 'mcp.crm.a.client-secret', resource: RESOURCE } });
    await waitFor(() => gw.snapshots.current()?.mcp.servers.has('crm'), 'crm served');
    const client = await connectMcp(gw, 'crm');
    clients.push(client);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'via cli' } });
    expect(JSON.stringify(result)).toContain('via cli');
    expect(tokens.length).toBeGreaterThan(0);
    const show = await cli('mcp', 'show', 'crm', '--json');
    expect(show.code).toBe(0);
    const metrics = await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } }).then((m) => m.text());
    // The secret rows may still sit in the write-ahead log.
    const db = [gw.dbPath, `${gw.dbPath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('');
    expect(db).toContain('mcp.crm.a.client-secret');
    const everything = [r.stdout, show.stdout, metrics, JSON.stringify(gw.logs), db].join('\n');
    expect(everything).not.toContain(SECRET);
    for (const t of new Set(tokens)) expect(everything).not.toContain(t);
  });

  it('--passthrough-auth stores passthroughAuthHeader', async () => {
    const r = await cli('mcp', 'add', 'pass', upstream.url, '--passthrough-auth');
    expect(r.code).toBe(0);
    expect(gw.registry.mcpServers.get('pass')!.backend).toMatchObject({ kind: 'remote', passthroughAuthHeader: true });
  });

  it.each([
    [['--token-url', 'http://127.0.0.1:1/token'], '--token-url needs --upstream-auth client-credentials, token-exchange or authorization-code'],
    [['--upstream-auth', 'password'], '--upstream-auth: must be client-credentials, token-exchange or authorization-code (got "password")'],
    [['--upstream-auth', 'client-credentials', '--client-id', 'a', '--client-secret', 'b'], '--upstream-auth needs --token-url and --client-id'],
    [['--upstream-auth', 'token-exchange', '--token-url', 'http://127.0.0.1:1/t', '--client-id', 'a'], '--upstream-auth needs one of --client-secret and --client-secret-secret'],
    [['--upstream-auth', 'token-exchange', '--passthrough-auth'], '--passthrough-auth and --upstream-auth both set the server\'s Authorization: choose one'],
    [['--upstream-auth', 'client-credentials', '--token-url', 'http://127.0.0.1:1/t', '--client-id', 'a', '--client-secret-secret', 'no-such'], 'backend.upstreamAuth.clientSecret: no secret named "no-such"'],
  ])('refuses %j naming the flag', async (flags, message) => {
    const r = await cli('mcp', 'add', 'bad', upstream.url, ...flags);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(gw.registry.mcpServers.get('bad')).toBeUndefined();
  });

  it('--upstream-auth on a stdio server does not apply', async () => {
    const r = await cli('mcp', 'add', 'bad', '--upstream-auth', 'client-credentials', '--stdio', '--', 'node', '-e', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--upstream-auth does not apply to a stdio server');
  });
});
