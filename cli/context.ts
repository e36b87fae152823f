import { Registry, RegistryError, RegistryOpenError } from '../registry/index.js';

/** The registry path: `--db`, else `AGATE_DB`, else ./data/agate.db. */
export function dbPath(opts: { db?: string }): string {
  return opts.db ?? process.env.AGATE_DB ?? 'data/agate.db';
}

/** Opens the registry for one command and closes it after `fn`, whatever happens. */
export function withRegistry<T>(opts: { db?: string }, fn: (registry: Registry) => T): T {
  const registry = Registry.open(dbPath(opts));
  try {
    return fn(registry);
  } finally {
    registry.close();
  }
}

/** A usage or validation problem: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints an error the way every command does and returns its exit code (2 usage/validation, 1 other). */
export function reportError(err: unknown): number {
  if (err instanceof RegistryError) {
    for (const p of err.problems) process.stderr.write(`error: ${p}\n`);
    return err.kind === 'validation' ? 2 : 1;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  if (err instanceof RegistryOpenError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}
