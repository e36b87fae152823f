import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry, RegistryOpenError, latestSchemaVersion, openDb } from '../../registry/index.js';
import { loadMigrations } from '../../registry/db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function freshDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

/** A registry file left at schema version `version`: only the first `version` migrations' SQL applied. */
function registryAtVersion(path: string, version: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  for (const m of loadMigrations().slice(0, version)) db.exec(m.sql);
  db.pragma(`user_version = ${version}`);
  db.prepare('INSERT INTO upstreams (name, spec) VALUES (?, ?)').run('old-pool', JSON.stringify({ name: 'old-pool', balance: 'round-robin' }));
  db.prepare('INSERT INTO upstream_targets (upstream, position, url, weight) VALUES (?, 0, ?, 2)').run('old-pool', 'http://127.0.0.1:9');
  db.prepare('INSERT INTO routes (name, spec, upstream_ref) VALUES (?, ?, ?)').run(
    'old-route',
    JSON.stringify({ name: 'old-route', path: '/old', pathType: 'prefix', upstream: 'old-pool', stripPrefix: false, priority: 0, timeoutMs: 30000, enabled: true }),
    'old-pool',
  );
  db.close();
}

describe('registry migrations', () => {
  it('brings an empty file to the latest version with every table', () => {
    const path = join(freshDir(), 'agate.db');
    const db = openDb(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
      expect(latestSchemaVersion()).toBe(loadMigrations().length);
      expect(tables(db)).toEqual(
        expect.arrayContaining(['audit_log', 'config_version', 'consumer_keys', 'consumers', 'gateway_instances', 'llm_providers', 'mcp_servers', 'routes', 'secrets', 'upstream_targets', 'upstreams']),
      );
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('is a no-op on a file that is already current', () => {
    const path = join(freshDir(), 'agate.db');
    Registry.open(path).close();
    const r = Registry.open(path);
    try {
      expect(r.db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
      expect(r.version()).toBe(0);
    } finally {
      r.close();
    }
  });

  // Every earlier schema version (today: 1) must upgrade in place and keep its rows.
  const earlier = loadMigrations()
    .slice(0, -1)
    .map((m) => m.version);
  it.each(earlier)('upgrades a file left at version %i in place, keeping its data', (version) => {
    const path = join(freshDir(), 'agate.db');
    registryAtVersion(path, version);
    const r = Registry.open(path);
    try {
      expect(r.db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
      expect(tables(r.db)).toContain('gateway_instances');
      expect(r.routes.get('old-route')).toMatchObject({ path: '/old', upstream: 'old-pool' });
      expect(r.upstreams.get('old-pool')).toEqual({ name: 'old-pool', balance: 'round-robin', targets: [{ url: 'http://127.0.0.1:9', weight: 2 }] });
      // The upgraded file is fully usable: the foreign key from route to upstream still holds.
      expect(() => r.upstreams.remove('old-pool', 'cli')).toThrow(/still in use/);
    } finally {
      r.close();
    }
  });

  it('keeps a gateway row written before backend health was reported (version 3), listing it with none', () => {
    const path = join(freshDir(), 'agate.db');
    registryAtVersion(path, 3);
    const raw = new Database(path);
    raw
      .prepare('INSERT INTO gateway_instances (id, host, started_at, heartbeat_at, listeners) VALUES (?, ?, ?, ?, ?)')
      .run(4242, 'old-host', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:05.000Z', '[]');
    raw.close();
    const r = Registry.open(path);
    try {
      expect(r.instances.list()).toEqual([expect.objectContaining({ pid: 4242, host: 'old-host', backendHealth: { mcp: [], http: [] } })]);
    } finally {
      r.close();
    }
  });

  it('refuses a file written by a newer agate, naming both versions, and leaves it untouched', async () => {
    const path = join(freshDir(), 'agate.db');
    Registry.open(path).close();
    const newer = latestSchemaVersion() + 1;
    const raw = new Database(path);
    raw.pragma(`user_version = ${newer}`);
    raw.close();
    const before = readFileSync(path);

    expect(() => openDb(path)).toThrow(RegistryOpenError);
    expect(() => openDb(path)).toThrow(`has schema version ${newer}, newer than this agate understands (${latestSchemaVersion()}); upgrade agate`);
    const cli = await runCli(['route', 'list'], path);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`newer than this agate understands`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  // Two races, both seen before the fix: migrations run twice ("table config_version already exists")
  // and the switch to WAL failing with "database is locked". The window is narrow, hence several rounds.
  it('survives several processes opening a brand-new file at once', async () => {
    const dir = freshDir();
    for (let round = 0; round < 4; round++) {
      const path = join(dir, `agate-${round}.db`);
      const runs = await Promise.all(Array.from({ length: 6 }, () => runCli(['route', 'list', '--json'], path)));
      for (const run of runs) expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const db = openDb(path);
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.prepare('SELECT count(*) AS n FROM config_version').get()).toEqual({ n: 1 });
      } finally {
        db.close();
      }
    }
  }, 60_000);
});

/** Spawns `agate serve` on `db` and resolves with its exit code and stderr (it must exit by itself). */
function serveUntilExit(db: string, demoPort: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawnCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', demoPort, '--host', '127.0.0.1'], db);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  child.stdout!.resume();
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    }),
  );
}

/** A real registry with enough rows to span many pages, closed cleanly (WAL checkpointed into the file). */
function populatedRegistry(path: string): void {
  const r = Registry.open(path);
  r.transaction(() => {
    for (let i = 0; i < 300; i++) r.routes.create({ name: `r${i}`, path: `/r${i}`, upstream: 'http://127.0.0.1:9' }, 'cli');
  });
  r.close();
}

const corruptions: Record<string, (path: string) => void> = {
  'garbage over the middle of its pages': (path) => {
    populatedRegistry(path);
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, randomBytes(Math.floor(size / 2)), 0, Math.floor(size / 2), Math.floor(size / 4));
    closeSync(fd);
  },
  'a file that is not SQLite at all': (path) => writeFileSync(path, 'routes:\n  - name: this is YAML, not a registry\n'.repeat(50)),
};

describe('agate serve on a corrupt registry', () => {
  // The default demo upstream is checked too: it once kept the process alive after the failed start.
  it.each(Object.keys(corruptions).flatMap((what) => [[what, 'off'], [what, 'on']]))(
    '%s (demo upstream %s): exits non-zero saying the registry is corrupt',
    async (what, demo) => {
      const path = join(freshDir(), 'agate.db');
      corruptions[what]!(path);
      const result = await serveUntilExit(path, demo === 'off' ? '0' : String(await freePort()));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`registry ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt.*restore it from a backup`, 's'));
    },
  );
});
