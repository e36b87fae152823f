import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** How long a write waits for another process's lock unless told otherwise. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

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
  if (path !== ':memory:') createPrivately(path);
  let db: Db;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    enableWal(db, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  } catch (err) {
    throw openFailure(path, err);
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
    throw openFailure(path, err);
  }
}

/**
 * Creates the folder (0700) and an empty database file (0600) before SQLite does: SQLite gives the -wal and
 * -shm files the database file's mode, and its own default (0644 in a 0755 folder) lets every local user read
 * the registry. Existing files keep their modes (see {@link looseFileModes}).
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
}

/**
 * The registry's files (database, -wal, -shm, secret.key) that group or others can read, each as a warning
 * naming the file and its mode: agate does not change the modes of files it did not create.
 */
export function looseFileModes(path: string): string[] {
  if (path === ':memory:') return [];
  const warnings: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`, join(dirname(path), 'secret.key')]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if (mode & 0o077) warnings.push(`${file} is readable by group or others (mode 0${mode.toString(8)}); run chmod 600 on it`);
  }
  return warnings;
}

/** Names damage as such: SQLite's "file is not a database" alone does not tell an operator to restore a backup. */
function openFailure(path: string, err: unknown): RegistryOpenError {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new RegistryOpenError(`registry ${path} is corrupt or not an agate registry (${message}); restore it from a backup`);
  }
  return new RegistryOpenError(`registry ${path} cannot be opened: ${message}`);
}

/**
 * Switching a brand-new file to WAL takes an exclusive lock, and SQLite does not call the busy handler for
 * it: two processes creating the registry at once (gateway and CLI) would see SQLITE_BUSY. Retry briefly.
 */
function enableWal(db: Db, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
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
      // Re-read under the write lock: another process opening a new file at the same moment may have
      // applied this migration since we looked, and running its CREATE TABLEs twice would fail.
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** The schema version this build of agate writes. */
export function latestSchemaVersion(): number {
  return loadMigrations().length;
}
