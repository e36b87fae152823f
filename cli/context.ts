import { Registry, RegistryError, RegistryOpenError } from '../registry/index.js';
import { configCheck, loadSubsystemCheck, type Subsystem, type SubsystemCheck } from '../server/config-tools.js';

/** Subsystem checks loaded for this command (see {@link loadConfigChecks}). */
const loadedChecks: Partial<Record<Subsystem, SubsystemCheck>> = {};

/** Which subsystems a command group writes (and so must check); `status` reports on all of them. */
const GROUP_SUBSYSTEMS: Record<string, readonly Subsystem[]> = {
  route: ['http'],
  upstream: ['http'],
  consumer: ['http', 'mcp'],
  apply: ['http', 'mcp'],
  mcp: ['mcp'],
  llm: ['llm'],
  status: ['http', 'mcp', 'llm'],
};

/** Commands that only read: they skip loading the compiler. */
const READ_ONLY = new Set(['list', 'show', 'get', 'tools', 'call', 'export', 'validate', 'models', 'usage', 'serve']);

/**
 * Loads the snapshot compiler's checks a command needs, before it runs: writes must pass them (a write the
 * gateway would hold back is refused), and they load lazily so `agate route add` pays only for the HTTP part.
 */
export async function loadConfigChecks(group: string | undefined, action: string, flags: { check?: boolean } = {}): Promise<void> {
  // `agate status` runs often (scripts poll it): it loads the whole compiler only when asked to (--check).
  if (!group || READ_ONLY.has(action) || (group === 'status' && !flags.check)) return;
  for (const s of GROUP_SUBSYSTEMS[group] ?? []) {
    loadedChecks[s] ??= await loadSubsystemCheck(s);
  }
}

/** The compiler problems of the loaded subsystems (for `agate status --check`): what a gateway would hold back. */
export function heldBack(registry: Registry): string[] {
  return configCheck(registry, loadedChecks)(new Set(['route', 'upstream', 'consumer', 'mcpServer', 'llmProvider', 'llmRoute']));
}

/** The registry path: `--db`, else `AGATE_DB`, else ./data/agate.db. */
export function dbPath(opts: { db?: string }): string {
  return opts.db ?? process.env.AGATE_DB ?? 'data/agate.db';
}

/** Opens the registry for one command and closes it after `fn`, whatever happens. */
export function withRegistry<T>(opts: { db?: string }, fn: (registry: Registry) => T): T {
  const registry = Registry.open(dbPath(opts));
  if (Object.keys(loadedChecks).length) registry.installConfigCheck(configCheck(registry, loadedChecks));
  try {
    const result = fn(registry);
    // The write went in; say what stays held back (written earlier, or behind agate's back) so it is not missed.
    for (const line of registry.guard.heldBack) process.stderr.write(`warning: held back (not served): ${line}\n`);
    return result;
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
