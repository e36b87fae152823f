import type { ConfigCheck, EntityKind, Registry } from '../../registry/index.js';

/** The parts of a snapshot, each compiled (and checked) on its own. */
export type Subsystem = 'http' | 'mcp' | 'llm';

/** Runs one subsystem's compiler against the registry only to collect its problems (nothing is served). */
export type SubsystemCheck = (registry: Registry, problems: string[]) => void;

/** Which part of the snapshot an entity is compiled into; a secret can be used by any of them. */
const SUBSYSTEMS: Record<EntityKind, readonly Subsystem[]> = {
  route: ['http'],
  upstream: ['http'],
  consumer: ['http', 'mcp'],
  mcpServer: ['mcp'],
  llmProvider: ['llm'],
  llmRoute: ['llm'],
  secret: ['http', 'mcp', 'llm'],
};

/** The subsystems entities of these kinds are compiled into. */
export function subsystemsOf(kinds: Iterable<EntityKind>): Set<Subsystem> {
  const out = new Set<Subsystem>();
  for (const k of kinds) for (const s of SUBSYSTEMS[k]) out.add(s);
  return out;
}

/**
 * The registry's write-time check, built from the snapshot compiler itself (one definition of every check):
 * for the subsystems the written kinds belong to, compile from the registry as it stands and return the
 * problems. A subsystem whose check is not given is not checked (the CLI loads only what a command needs).
 */
export function configCheck(registry: Registry, checks: Partial<Record<Subsystem, SubsystemCheck>>): ConfigCheck {
  return (kinds) => {
    const problems: string[] = [];
    registry.db.transaction(() => {
      for (const s of subsystemsOf(kinds)) checks[s]?.(registry, problems);
    })();
    return problems;
  };
}
