import { chmodSync, existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { serveOutcome } from '../helpers/serve.js';
import { startTestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
function folder(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const mode = (path: string) => statSync(path).mode & 0o777;

describe('registry files are private to their owner', () => {
  it('a registry the CLI creates lives in a 0700 folder, with the database and secret.key 0600', async () => {
    const dir = join(folder(), 'data');
    const db = join(dir, 'agate.db');
    const res = await runCli(['route', 'add', 'r', '--path-prefix', '/r', '--upstream', 'http://127.0.0.1:9', '--set-header', 'x-api-key=k-1'], db, {});
    expect(res.code, res.stderr).toBe(0);
    expect(mode(dir)).toBe(0o700);
    expect(mode(db)).toBe(0o600);
    expect(mode(join(dir, 'secret.key'))).toBe(0o600);
  });

  it('the WAL and shared-memory files of an open registry are 0600 too', () => {
    const db = join(folder(), 'agate.db');
    const registry = Registry.open(db);
    cleanups.push(() => registry.close());
    registry.routes.create({ name: 'r', path: '/r', upstream: 'http://127.0.0.1:9' }, 'cli');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) expect([f, mode(f)]).toEqual([f, 0o600]);
  });

  it('the gateway warns at start about registry files others can read, naming each and its mode', async () => {
    const dir = folder();
    const db = join(dir, 'agate.db');
    Registry.open(db).close();
    chmodSync(db, 0o644);
    const gw = await startTestGateway({ dbPath: db });
    cleanups.push(() => gw.close());
    const warnings = gw.logs.filter((l) => l.level === 40).map((l) => String(l.msg));
    expect(warnings.join('\n')).toMatch(new RegExp(`${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is readable by group or others \\(mode 0644\\)`));
  });
});

describe('a registry restored without its secret.key', () => {
  async function registryWithSecrets(): Promise<{ dir: string; db: string }> {
    const dir = folder();
    const db = join(dir, 'agate.db');
    const res = await runCli(['route', 'add', 'r', '--path-prefix', '/r', '--upstream', 'http://127.0.0.1:9', '--set-header', 'x-api-key=k-1'], db);
    expect(res.code, res.stderr).toBe(0);
    return { dir, db };
  }

  it('serve refuses to start, says what to restore, and generates no new key', async () => {
    const { dir, db } = await registryWithSecrets();
    unlinkSync(join(dir, 'secret.key'));
    const out = await serveOutcome(db);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/holds encrypted values but its key .*secret\.key is missing/);
    expect(out.stderr).toContain('AGATE_SECRET_KEY');
    expect(existsSync(join(dir, 'secret.key'))).toBe(false);
  });

  it('a CLI command that needs the key refuses too, and generates none', async () => {
    const { dir, db } = await registryWithSecrets();
    unlinkSync(join(dir, 'secret.key'));
    const res = await runCli(['route', 'add', 'r2', '--path-prefix', '/r2', '--upstream', 'http://127.0.0.1:9', '--set-header', 'x-api-key=k-2'], db);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/secret\.key is missing/);
    expect(existsSync(join(dir, 'secret.key'))).toBe(false);
  });

  it('serve refuses a key that does not open the stored values, instead of rejecting the whole configuration', async () => {
    const { dir, db } = await registryWithSecrets();
    writeFileSync(join(dir, 'secret.key'), randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    const out = await serveOutcome(db);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/secret key does not open the values stored in/);
  });
});
