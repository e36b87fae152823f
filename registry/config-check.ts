import { RegistryError } from './errors.js';
import type { EntityKind } from './validation.js';

/** One stored entity, as `apply` and the write guard name it. */
export interface EntityRef {
  kind: EntityKind;
  name: string;
}

/**
 * The checks that live above the registry (the snapshot compiler's: JWKS files, hosted server types, bundle
 * nesting, secrets, LLM catalogue...), run against the registry's current contents for the subsystems that
 * `kinds` belong to. Returns the compiler's problem lines, each starting `kind "name": `. Installed by
 * whoever opens the registry (the gateway, the CLI): the registry cannot import the server.
 */
export type ConfigCheck = (kinds: ReadonlySet<EntityKind>) => string[];

const PROBLEM_PREFIX = /^(\w+) "((?:[^"\\]|\\.)*)": /;

/** The entity a compiler problem line is about (`route "api": route.upstream: ...` → route/api). */
export function problemEntity(line: string): string | undefined {
  const m = PROBLEM_PREFIX.exec(line);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

/**
 * Runs a write so that it cannot store what the gateway would hold back: the config check runs before and after
 * the write, inside the caller's transaction, and the write is refused (thrown, so the transaction rolls back)
 * when an entity it touched has a problem afterwards or an entity that was fine before has one now. Problems
 * that were there before and stay are the `heldBack` list every CLI write reports.
 */
export class WriteGuard {
  private check: ConfigCheck | undefined;
  /** What the last guarded write left held back (not touched by it, not caused by it). */
  heldBack: string[] = [];

  /** Installs the check; until then writes are checked against the schemas and references only. */
  install(check: ConfigCheck): void {
    this.check = check;
  }

  /** Whether a check is installed. */
  get installed(): boolean {
    return this.check !== undefined;
  }

  /** Runs `write` between two checks (call it inside a transaction); throws a validation RegistryError. */
  around<T>(touched: readonly EntityRef[], write: () => T): T {
    const check = this.check;
    if (!check || touched.length === 0) return write();
    const kinds = new Set(touched.map((t) => t.kind));
    const before = new Set(check(kinds).map(problemEntity));
    const result = write();
    const after = check(kinds);
    const mine = new Set(touched.map((t) => `${t.kind}:${t.name}`));
    const refused = after.filter((line) => {
      const entity = problemEntity(line);
      return entity === undefined || mine.has(entity) || !before.has(entity);
    });
    if (refused.length) throw new RegistryError('validation', refused);
    this.heldBack = after;
    return result;
  }
}
