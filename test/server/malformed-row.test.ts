import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

/** A route row as plain SQL would write it, behind the CLI's back (no validation). */
interface BadRow {
  what: string;
  spec: string;
  /** What the reload error must say besides the row's name. */
  details: string[];
}

describe('a malformed row written directly with SQL', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let sql: Database.Database;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('good');
    gw.registry.routes.create({ name: 'good', path: '/good', upstream: upstream.url }, 'cli');
    sql = new Database(gw.dbPath);
    sql.pragma('busy_timeout = 5000');
    await waitFor(async () => (await fetch(`${gw.url}/good/x`)).status === 200, 'the good route');
  });
  afterAll(async () => {
    sql.close();
    await gw.stop();
    await upstream.close();
  });

  const adminStatus = async () => {
    const res = await fetch(`${gw.adminUrl}/status`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { snapshotVersion: number; lastReloadError: string | null };
  };
  const cliStatus = async () => {
    const r = await runCli(['status', '--json'], gw.dbPath);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { configVersion: number; gateways: Array<{ pid: number; snapshotVersion: number; lastReloadError: string | null }> };
    return { configVersion: s.configVersion, gateway: s.gateways.find((g) => g.pid === process.pid)! };
  };
  const version = () => (sql.prepare('SELECT version FROM config_version').get() as { version: number }).version;

  it.each<BadRow>([
    { what: 'spec that is not JSON', spec: '{"name": "broken", "path": "/broken", ', details: ['spec is not valid JSON'] },
    {
      what: 'valid JSON that violates the schema',
      spec: JSON.stringify({ name: 'broken', path: 'broken', upstream: 'http://127.0.0.1:9', colour: 'red' }),
      details: ['route.path: must start with "/"', 'route.colour: is not allowed'],
    },
    {
      what: 'valid JSON naming an upstream that does not exist',
      spec: JSON.stringify({ name: 'broken', path: '/broken', upstream: 'ghost' }),
      details: ['route.upstream: no upstream named "ghost"'],
    },
  ])('$what: the reload is rejected, old routes keep serving, status names the row, fixing it clears the error', async ({ spec, details }) => {
    const served = gw.snapshots.current()!.version;
    sql.prepare('INSERT INTO routes (name, spec) VALUES (?, ?)').run('broken', spec);
    const bad = version();

    // Rejected: the gateway has seen the new version (status reports it) but still serves the old snapshot.
    const rejected = await waitFor(async () => {
      const s = await adminStatus();
      return s.lastReloadError ? s : undefined;
    }, 'the reload to be rejected');
    expect(rejected.lastReloadError).toContain('route "broken"');
    for (const d of details) expect(rejected.lastReloadError).toContain(d);
    expect(rejected.snapshotVersion).toBe(served);
    expect(gw.snapshots.current()!.version).toBe(served);

    const res = await fetch(`${gw.url}/good/after`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ upstream: 'good', url: '/good/after' });
    expect((await fetch(`${gw.url}/broken`)).status).toBe(404);

    const cli = await cliStatus();
    expect(cli.configVersion).toBe(bad);
    expect(cli.gateway).toMatchObject({ snapshotVersion: served });
    expect(cli.gateway.lastReloadError).toContain('route "broken"');
    for (const d of details) expect(cli.gateway.lastReloadError).toContain(d);
    const text = await runCli(['status'], gw.dbPath);
    expect(text.stdout).toMatch(/snapshot\s+version \d+ \(behind the registry\)/);
    expect(text.stdout).toMatch(/last error\s+config rejected: route "broken"/);
    expect(gw.logs.some((l) => l.level === 50 && String(l.msg).includes('route "broken"'))).toBe(true);

    // Fixed: a valid spec for the same row is served and the error clears everywhere.
    sql
      .prepare('UPDATE routes SET spec = ? WHERE name = ?')
      .run(JSON.stringify({ name: 'broken', path: '/broken', upstream: upstream.url, pathType: 'prefix' }), 'broken');
    const fixed = await waitFor(async () => {
      const s = await adminStatus();
      return s.lastReloadError === null ? s : undefined;
    }, 'the error to clear');
    expect(fixed.snapshotVersion).toBe(version());
    expect((await fetch(`${gw.url}/broken/x`)).status).toBe(200);
    expect(await waitFor(async () => ((await cliStatus()).gateway.lastReloadError === null ? true : undefined), 'status to clear')).toBe(true);

    sql.prepare('DELETE FROM routes WHERE name = ?').run('broken');
    await waitFor(async () => (await fetch(`${gw.url}/broken/x`)).status === 404, 'the row to go');
  });

  it('agate route list names a row whose spec is not JSON instead of a bare parse error', async () => {
    sql.prepare('INSERT INTO routes (name, spec) VALUES (?, ?)').run('garbled', '{"name": ');
    try {
      const r = await runCli(['route', 'list'], gw.dbPath);
      expect(r.stderr).toMatch(/^error: route "garbled": spec is not valid JSON \(.+\); fix or remove the row\n$/);
      expect(r.code).toBe(1);
    } finally {
      sql.prepare('DELETE FROM routes WHERE name = ?').run('garbled');
    }
  });

  it('counts rejected reloads in the metrics', async () => {
    const res = await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    const text = await res.text();
    const rejected = /agate_config_reloads_total\{result="rejected"\} (\d+)/.exec(text);
    expect(Number(rejected?.[1])).toBeGreaterThanOrEqual(3);
  });
});
