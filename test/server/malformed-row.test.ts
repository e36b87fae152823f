import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A route row as plain SQL would write it, behind the CLI's back (no validation). */
interface BadRow {
  what: string;
  spec: string;
  /** What the reload error must say besides the row's name. */
  details: string[];
}

describe('a malformed row written directly with SQL (or made bad behind agate\'s back)', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let sql: Database.Database;
  const tmp = tempDir();

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
    tmp.cleanup();
  });

  const adminStatus = async () => {
    const res = await fetch(`${gw.adminUrl}/status`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { snapshotVersion: number; lastReloadError: string | null; heldBack: string[] };
  };
  const cliStatus = async () => {
    const r = await runCli(['status', '--json', '--check'], gw.dbPath);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      configVersion: number;
      heldBack: string[];
      gateways: Array<{ pid: number; snapshotVersion: number; lastReloadError: string | null }>;
    };
    return { configVersion: s.configVersion, heldBack: s.heldBack, gateway: s.gateways.find((g) => g.pid === process.pid)! };
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
    {
      what: 'a path regex RE2 refuses (a backreference, stored before the write-time check)',
      spec: JSON.stringify({ name: 'broken', path: '/(b)\\1', pathType: 'regex', upstream: 'http://127.0.0.1:9' }),
      details: ['route.path: is not a valid regular expression (RE2 syntax'],
    },
  ])('$what: only that route is held back, later changes are served, status and later writes name it', async ({ spec, details }) => {
    sql.prepare('INSERT INTO routes (name, spec) VALUES (?, ?)').run('broken', spec);
    const bad = version();

    // Served: the gateway moved to the new version without the bad route, and says what it held back.
    const partial = await waitFor(async () => {
      const s = await adminStatus();
      return s.snapshotVersion === bad ? s : undefined;
    }, 'the new version to be served');
    const heldBack = partial.heldBack.join('\n');
    expect(heldBack).toContain('route "broken"');
    for (const d of details) expect(heldBack).toContain(d);
    expect(partial.lastReloadError).toMatch(/^config partly applied, held back: route "broken"/);
    expect((await fetch(`${gw.url}/good/after`)).status).toBe(200);
    expect((await fetch(`${gw.url}/broken`)).status).toBe(404);

    // A later write is served, and the CLI says what stays held back.
    const later = await runCli(['route', 'add', 'later', '--path', '/later', '--upstream', upstream.url], gw.dbPath);
    expect(later.code).toBe(0);
    expect(later.stdout).toContain('added');
    expect(later.stderr).toMatch(/^warning: held back \(not served\): route "broken": /m);
    await waitFor(async () => (await fetch(`${gw.url}/later/x`)).status === 200, 'the later route');

    const cli = await waitFor(async () => {
      const c = await cliStatus();
      return c.gateway.snapshotVersion === c.configVersion ? c : undefined;
    }, 'status to catch up');
    expect(cli.heldBack.join('\n')).toContain('route "broken"');
    for (const d of details) expect(cli.heldBack.join('\n')).toContain(d);
    expect(cli.gateway.lastReloadError).toContain('route "broken"');
    const text = await runCli(['status', '--check'], gw.dbPath);
    expect(text.stdout).toMatch(/held back\s+route "broken": /);
    expect(text.stdout).toMatch(/last error\s+config partly applied, held back: route "broken": /);
    expect(text.stdout).not.toContain('behind the registry');
    expect(gw.logs.some((l) => l.level === 50 && String(l.msg).includes('route "broken"'))).toBe(true);

    // Fixed: a valid spec for the same row is served and the held-back list clears everywhere.
    sql
      .prepare('UPDATE routes SET spec = ? WHERE name = ?')
      .run(JSON.stringify({ name: 'broken', path: '/broken', upstream: upstream.url, pathType: 'prefix' }), 'broken');
    const fixed = await waitFor(async () => {
      const s = await adminStatus();
      return s.lastReloadError === null ? s : undefined;
    }, 'the error to clear');
    expect(fixed.heldBack).toEqual([]);
    expect(fixed.snapshotVersion).toBe(version());
    expect((await fetch(`${gw.url}/broken/x`)).status).toBe(200);
    expect(await waitFor(async () => ((await cliStatus()).gateway.lastReloadError === null ? true : undefined), 'status to clear')).toBe(true);

    sql.prepare('DELETE FROM routes WHERE name IN (?, ?)').run('broken', 'later');
    await waitFor(async () => (await fetch(`${gw.url}/broken/x`)).status === 404, 'the row to go');
  });

  it('a consumer whose JWKS file disappeared is held back alone: its key stops working, other consumers keep theirs', async () => {
    const jwks = join(tmp.dir, 'jwks.json');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }));
    gw.registry.routes.create({ name: 'private', path: '/private', upstream: upstream.url, auth: { methods: ['key'] } }, 'cli');
    gw.registry.consumers.store.create({ name: 'alice', jwt: { issuer: 'https://issuer.example', jwksFile: jwks, algorithms: ['RS256'] } }, 'cli');
    gw.registry.consumers.store.create({ name: 'bob' }, 'cli');
    const alice = gw.registry.consumers.issueKey('alice', 'cli').key;
    const bob = gw.registry.consumers.issueKey('bob', 'cli').key;
    const call = (key: string) => fetch(`${gw.url}/private/x`, { headers: { 'x-api-key': key } }).then((r) => r.status);
    await waitFor(async () => ((await call(alice)) === 200 && (await call(bob)) === 200 ? true : undefined), 'both keys to work');

    rmSync(jwks);
    gw.registry.routes.create({ name: 'after-jwks', path: '/after-jwks', upstream: upstream.url }, 'cli');
    await waitFor(async () => ((await fetch(`${gw.url}/after-jwks/x`)).status === 200 ? true : undefined), 'the later route');
    expect(await call(alice)).toBe(401);
    expect(await call(bob)).toBe(200);
    expect((await adminStatus()).heldBack.join('\n')).toContain('consumer "alice": consumer.jwt:');
  });

  it.each([
    { what: 'a bundle listing tools of a non-member', backend: { kind: 'bundle', members: ['x'], separator: '___', prefix: 'always', tools: { y: ['t'] } }, detail: 'backend.tools.y: not one of backend.members' },
    { what: 'a hosted server type that does not exist', backend: { kind: 'hosted', server: 'no-such', settings: {}, secretSettings: {} }, detail: 'backend.server: no hosted server named "no-such"' },
  ])('an MCP server row with $what is held back alone; the rest is served', async ({ backend, detail }) => {
    sql.prepare('INSERT INTO mcp_servers (name, spec) VALUES (?, ?)').run('bad-mcp', JSON.stringify({ name: 'bad-mcp', backend, enabled: true }));
    try {
      const bad = version();
      const s = await waitFor(async () => {
        const st = await adminStatus();
        return st.snapshotVersion === bad ? st : undefined;
      }, 'the new version to be served');
      expect(s.heldBack.join('\n')).toContain(`mcpServer "bad-mcp": ${detail}`);
      expect(gw.snapshots.current()!.mcp.servers.has('bad-mcp')).toBe(false);
      expect((await fetch(`${gw.url}/good/x`)).status).toBe(200);
    } finally {
      sql.prepare('DELETE FROM mcp_servers WHERE name = ?').run('bad-mcp');
    }
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

  it('counts partly applied reloads in the metrics', async () => {
    const res = await fetch(`${gw.adminUrl}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken.token}` } });
    const text = await res.text();
    const rejected = /agate_config_reloads_total\{result="rejected"\} (\d+)/.exec(text);
    const partial = /agate_config_reloads_total\{result="partial"\} (\d+)/.exec(text);
    expect(rejected).toBeNull();
    expect(Number(partial?.[1])).toBeGreaterThanOrEqual(3);
  });
});
