import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { tempDir } from '../helpers/temp-dir.js';

// Credentials under names no heuristic recognises, as `route add --set-header` is documented to inject them.
const KEY_A = 'sk-live-route-a-0123456789';
const KEY_B = 'opaque-b-9876543210';
const TENANT = 'tenant-secret-77';

describe('route request headers: values are sealed at rest and masked when shown', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    upstream = await startUpstream('u', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key: req.headers['x-api-key'] ?? null, auth: req.headers['x-upstream-auth'] ?? null, tenant: req.headers['x-tenant'] ?? null, type: req.headers['x-forwarded-client'] ?? null }));
    });
  });
  afterAll(async () => {
    await upstream.close();
    tmp.cleanup();
  });

  it('route add --set-header/--add-header keeps no plaintext in the registry, its WAL, the audit log or any output', async () => {
    const added = await runCli(
      ['route', 'add', 'a', '--path-prefix', '/a', '--upstream', upstream.url, '--set-header', `x-api-key=${KEY_A}`, '--add-header', `x-tenant=${TENANT}`, '--set-header', 'x-forwarded-client=cli', '--json'],
      db,
    );
    expect(added.code, added.stderr).toBe(0);
    const b = await runCli(['route', 'add', 'b', '--path-prefix', '/b', '--upstream', upstream.url, '--set-header', `x-upstream-auth=${KEY_B}`], db);
    expect(b.code, b.stderr).toBe(0);
    const outputs = [
      added.stdout,
      (await runCli(['route', 'show', 'a', '--json'], db)).stdout,
      (await runCli(['route', 'show', 'a'], db)).stdout,
      (await runCli(['route', 'list', '--json'], db)).stdout,
    ];
    for (const out of outputs) expect(out).not.toMatch(new RegExp(`${KEY_A}|${KEY_B}|${TENANT}`));
    const shown = JSON.parse(outputs[1]!);
    // x-forwarded-* is known plain; the unknown names are masked.
    expect(shown.requestHeaders).toEqual({ set: { 'x-api-key': '********', 'x-forwarded-client': 'cli' }, add: { 'x-tenant': '********' } });
    const r = Registry.open(db);
    try {
      expect(JSON.stringify(r.audit.list())).not.toMatch(new RegExp(`${KEY_A}|${KEY_B}|${TENANT}`));
      r.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      r.close();
    }
    const file = readFileSync(db);
    for (const secret of [KEY_A, KEY_B, TENANT]) expect(file.includes(Buffer.from(secret))).toBe(false);
  });

  it('the gateway sends each route its own decrypted value (two routes, no crossing)', async () => {
    const gw: TestGateway = await startTestGateway({ dbPath: db });
    try {
      await waitFor(() => gw.snapshots.current()?.http.routeCount === 2, 'both routes served');
      const a = await (await fetch(`${gw.url}/a`)).json();
      const bb = await (await fetch(`${gw.url}/b`)).json();
      expect(a).toEqual({ key: KEY_A, auth: null, tenant: TENANT, type: 'cli' });
      expect(bb).toEqual({ key: null, auth: KEY_B, tenant: null, type: null });
    } finally {
      await gw.close();
    }
  });

  it('route update keeps the sealed values it does not change', async () => {
    const up = await runCli(['route', 'update', 'a', '--priority', '5'], db);
    expect(up.code, up.stderr).toBe(0);
    const gw = await startTestGateway({ dbPath: db });
    try {
      await waitFor(() => gw.snapshots.current()?.http.routeCount === 2, 'both routes served');
      expect(await (await fetch(`${gw.url}/a`)).json()).toMatchObject({ key: KEY_A, tenant: TENANT });
    } finally {
      await gw.close();
    }
  });
});
