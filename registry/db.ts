import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { packageRoot } from './package-root.js';

/** A better-sqlite3 connection. */
export type Db = Database.Database;

/** Raised when the registry file cannot be used; the message says why and what to do. */
export class RegistryOpenError extends Error {
  override name = 'RegistryOpenError';
}

/** Options for {@link openDb}. */
export interface OpenDbOptions {
  /** Run `PRAGMA quick_check` and refuse a damaged file (the gateway does; short CLI commands skip it). */
  quickCheck?: boolean;
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

let migrationsCache: Migration[] | undefined;

/** The numbered migrations in registry/migrations, in order. */
export function loadMigrations(): Migration[] {
  if (migrationsCache) return migrationsCache;
  const dir = join(packageRoot(), 'registry', 'migrations');
  migrationsCache = readdirSync(dir)
    .filter((f) => /^\d{3}-.+\.sql$/.test(f))
    .sort()
    .map((f, i) => {
      const version = Number(f.slice(0, 3));
      if (version !== i + 1) throw new Error(`registry migration ${f} is out of sequence (expected ${i + 1})`);
      return { version, name: f, sql: readFileSync(join(dir, f), 'utf8') };
    });
  return migrationsCache;
}

/** Opens (creating if needed) the registry at `path`, applies pending migrations, and sets the pragmas. */
export function openDb(path: string, options: OpenDbOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('journal_mode = WAL');
  } catch (err) {
    throw new RegistryOpenError(`registry ${path} cannot be opened: ${(err as Error).message}`);
  }
  try {
    if (options.quickCheck) checkIntegrity(db, path);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof RegistryOpenError) throw err;
    throw new RegistryOpenError(`registry ${path} cannot be opened: ${(err as Error).message}`);
  }
}

function checkIntegrity(db: Db, path: string): void {
  let result: string;
  try {
    result = db.pragma('quick_check', { simple: true }) as string;
  } catch (err) {
    throw new RegistryOpenError(`registry ${path} is corrupt (${(err as Error).message}); restore it from a backup`);
  }
  if (result !== 'ok') throw new RegistryOpenError(`registry ${path} is corrupt (quick_check: ${result}); restore it from a backup`);
}

/** Applies every migration newer than the file's `user_version`, each in its own transaction. */
function migrate(db: Db, path: string): void {
  const migrations = loadMigrations();
  const latest = migrations.length;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new RegistryOpenError(
      `registry ${path} has schema version ${current}, newer than this agate understands (${latest}); upgrade agate`,
    );
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** The schema version this build of agate writes. */
export function latestSchemaVersion(): number {
  return loadMigrations().length;
}
