import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor } from '../../helpers/gateway.js';
import { connectMcp } from '../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Credentials under names no heuristic recognises, as a hand-written apply file carries them.
const AUTH_A = 's3cret';
const AUTH_B = 'other-s3cret-b';
const ENV_PASS = 's3cret2';
const SECRETS = new RegExp(`${AUTH_A}|${AUTH_B}|${ENV_PASS}`);

describe('MCP server headers and env written by apply are sealed at rest and masked when shown', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  const file = join(tmp.dir, 'mcp.yaml');
  let a: RemoteMcpUpstream;
  let b: RemoteMcpUpstream;

  beforeAll(async () => {
    a = await startRemoteMcpUpstream(1);
    b = await startRemoteMcpUpstream(2);
    writeFileSync(
      file,
      [
        'mcpServers:',
        `  - { name: ra, backend: { kind: remote, url: "${a.url}", headers: { X-Upstream-Auth: ${AUTH_A}, User-Agent: agate-test } } }`,
        `  - { name: rb, backend: { kind: remote, url: "${b.url}", headers: { X-Upstream-Auth: ${AUTH_B} } } }`,
        `  - { name: local, backend: { kind: stdio, command: node, args: ["-e", "0"], env: { DD_SITE_PASS: ${ENV_PASS}, LOG_LEVEL: debug } } }`,
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    tmp.cleanup();
  });

  it('apply keeps no plaintext in the registry, its WAL, the audit log or mcp show/list/export', async () => {
    const applied = await runCli(['apply', '-f', file], db);
    expect(applied.code, applied.stderr).toBe(0);
    const show = await runCli(['mcp', 'show', 'ra', '--json'], db);
    expect(show.code, show.stderr).toBe(0);
    const outputs = [
      applied.stdout,
      show.stdout,
      (await runCli(['mcp', 'show', 'local', '--json'], db)).stdout,
      (await runCli(['mcp', 'show', 'local'], db)).stdout,
      (await runCli(['mcp', 'list', '--json'], db)).stdout,
      (await runCli(['mcp', 'export', 'rb'], db)).stdout,
    ];
    for (const out of outputs) expect(out).not.toMatch(SECRETS);
    // User-Agent and LOG_LEVEL are known plain; the other names are masked.
    expect(JSON.parse(show.stdout).backend.headers).toEqual({ 'X-Upstream-Auth': '********', 'User-Agent': 'agate-test' });
    expect(JSON.parse(outputs[2]!).backend.env).toEqual({ DD_SITE_PASS: '********', LOG_LEVEL: 'debug' });
    const r = Registry.open(db);
    try {
      expect(JSON.stringify(r.audit.list())).not.toMatch(SECRETS);
      const wal = readFileSync(`${db}-wal`);
      for (const s of [AUTH_A, AUTH_B, ENV_PASS]) expect(wal.includes(Buffer.from(s))).toBe(false);
      r.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      r.close();
    }
    const bytes = readFileSync(db);
    for (const s of [AUTH_A, AUTH_B, ENV_PASS]) expect(bytes.includes(Buffer.from(s))).toBe(false);
  });

  it('re-applying the same file writes nothing', async () => {
    const again = await runCli(['apply', '-f', file], db);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 created, 0 updated, 3 unchanged');
  });

  it('the gateway sends each remote upstream its own real header value', async () => {
    const gw = await startTestGateway({ dbPath: db });
    try {
      await waitFor(() => gw.snapshots.current()?.mcp.servers.has('rb'), 'servers served');
      for (const [name, up, value] of [['ra', a, AUTH_A], ['rb', b, AUTH_B]] as const) {
        const client = await connectMcp(gw, name);
        try {
          await client.listTools();
        } finally {
          await client.close();
        }
        const seen = up.requests.map((q) => q.headers['x-upstream-auth']);
        expect(seen.length).toBeGreaterThan(0);
        expect(new Set(seen)).toEqual(new Set([value]));
      }
    } finally {
      await gw.close();
    }
  });

  it('update with the mask keeps the stored value; a plain row written before sealing still serves and is sealed on its next write', async () => {
    const r = Registry.open(db);
    try {
      const shown = JSON.parse((await runCli(['mcp', 'show', 'ra', '--json'], db)).stdout);
      r.mcpServers.update({ name: 'ra', backend: { kind: 'remote', url: a.url, headers: shown.backend.headers } }, 'cli');
      // A row as older versions stored it: the plaintext in the spec column.
      const plain = JSON.stringify({ name: 'rb', enabled: true, backend: { kind: 'remote', url: b.url, transport: 'streamable-http', headers: { 'X-Upstream-Auth': 'legacy-plain' } } });
      r.db.prepare('UPDATE mcp_servers SET spec = ? WHERE name = ?').run(plain, 'rb');
    } finally {
      r.close();
    }
    a.requests.length = 0;
    b.requests.length = 0;
    const gw = await startTestGateway({ dbPath: db });
    try {
      await waitFor(() => gw.snapshots.current()?.mcp.servers.has('rb'), 'servers served');
      for (const [name, up, value] of [['ra', a, AUTH_A], ['rb', b, 'legacy-plain']] as const) {
        const client = await connectMcp(gw, name);
        await client.listTools().finally(() => client.close());
        expect(new Set(up.requests.map((q) => q.headers['x-upstream-auth']))).toEqual(new Set([value]));
      }
    } finally {
      await gw.close();
    }
    const r2 = Registry.open(db);
    try {
      r2.mcpServers.update({ ...r2.mcpServers.get('rb')!, description: 'touched' }, 'cli');
      expect(JSON.stringify(r2.db.prepare("SELECT spec FROM mcp_servers WHERE name = 'rb'").pluck().get())).not.toContain('legacy-plain');
    } finally {
      r2.close();
    }
  });
});
