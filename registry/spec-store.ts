import type { Db } from './db.js';
import type { AuditRepo, WriteOrigin } from './audit-repo.js';
import { RegistryError } from './errors.js';
import { validateEntity, type EntityKind } from './validation.js';
import type { WriteGuard } from './config-check.js';

/** Every stored entity has a unique name. */
export interface Named {
  name: string;
}

/** Table-specific behaviour a {@link SpecStore} delegates to its entity's repository. */
export interface SpecStoreHooks<T extends Named> {
  /** Extra checks after schema validation (cross-entity references); return field messages. */
  check?(value: T): string[];
  /** Writes rows in other tables that belong to this entity (inside the same transaction). */
  writeExtra?(value: T): void;
  /** Completes a row read from the spec column (for entities split across tables). */
  readExtra?(value: T): T;
  /** The JSON stored in the spec column (defaults to the whole value). */
  toSpec?(value: T): unknown;
  /** Extra columns for the main row, as name → value. */
  columns?(value: T): Record<string, unknown>;
  /** What the audit log records (secrets masked). */
  auditDetail?(value: T): unknown;
  /**
   * Turns a validated value into the one stored (secret values sealed), given the stored row it replaces;
   * runs inside the write's transaction and throws a validation RegistryError to refuse the write.
   */
  prepare?(value: T, current: T | undefined): T;
  /** Deletes what belongs to the entity outside its tables (its secrets), inside the delete's transaction. */
  removeExtra?(value: T, origin: WriteOrigin): void;
}

/**
 * A table of named JSON specs validated by one schema: the shared body of most repositories.
 * Writes validate first, then run in BEGIN IMMEDIATE with their audit entry, so a bad write changes nothing.
 */
export class SpecStore<T extends Named> {
  /** Runs the snapshot compiler's checks around every create and update (set by the Registry). */
  guard: WriteGuard | undefined;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepo,
    private readonly opts: { table: string; kind: EntityKind; hooks?: SpecStoreHooks<T> },
  ) {}

  /** All entities, by name. */
  list(): T[] {
    const rows = this.db.prepare(`SELECT name, spec FROM ${this.opts.table} ORDER BY name`).all() as { name: string; spec: string }[];
    return rows.map((r) => this.readNamed(r.name, r.spec));
  }

  /** How many rows there are, without parsing any (so `agate status` works even beside a malformed row). */
  count(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${this.opts.table}`).get() as { n: number }).n;
  }

  /**
   * Every row re-validated against the schema, as the gateway's loader needs it: rows written behind
   * the CLI's back (plain SQL) get the same checks. Problems are prefixed with the row's name.
   */
  listChecked(): { values: T[]; problems: string[] } {
    const rows = this.db.prepare(`SELECT name, spec FROM ${this.opts.table} ORDER BY name`).all() as { name: string; spec: string }[];
    const values: T[] = [];
    const problems: string[] = [];
    for (const row of rows) {
      try {
        values.push(this.validate(this.read(row.spec)));
      } catch (err) {
        const detail = err instanceof RegistryError ? err.problems.join('; ') : `spec is not valid JSON (${(err as Error).message})`;
        problems.push(`${this.opts.kind} "${row.name}": ${detail}`);
      }
    }
    return { values, problems };
  }

  /** One entity, or undefined. */
  get(name: string): T | undefined {
    const row = this.db.prepare(`SELECT spec FROM ${this.opts.table} WHERE name = ?`).get(name) as
      | { spec: string }
      | undefined;
    return row ? this.readNamed(name, row.spec) : undefined;
  }

  /** Validates `input` and returns the defaulted value, or throws a validation RegistryError. */
  validate(input: unknown): T {
    return this.checkReferences(this.validateShape(input));
  }

  /** The schema alone, without references to other rows: `apply` checks those once the whole file is written. */
  validateShape(input: unknown): T {
    const result = validateEntity<T>(this.opts.kind, input);
    if (!result.ok) throw new RegistryError('validation', result.errors);
    return result.value;
  }

  /** The checks against other rows (an upstream's fallback, a route's upstream); returns `value` when they pass. */
  checkReferences(value: T): T {
    const problems = this.opts.hooks?.check?.(value) ?? [];
    if (problems.length) throw new RegistryError('validation', problems);
    return value;
  }

  /** Adds a new entity; 409-style conflict if the name is taken. */
  create(input: unknown, origin: WriteOrigin): T {
    const validated = this.validate(input);
    return this.db.transaction(() => {
      if (this.exists(validated.name)) throw new RegistryError('conflict', [`${this.opts.kind} "${validated.name}" already exists`]);
      const value = this.prepare(validated);
      this.guarded(value, () => this.writeRow(value, 'insert'));
      this.audit.record(origin, { action: 'create', entity: this.opts.kind, name: value.name, detail: this.detail(value) });
      return value;
    }).immediate();
  }

  /** Replaces an existing entity; not_found if it does not exist. */
  update(input: unknown, origin: WriteOrigin): T {
    const validated = this.validate(input);
    return this.db.transaction(() => {
      if (!this.exists(validated.name)) throw notFound(this.opts.kind, validated.name);
      const value = this.prepare(validated);
      this.guarded(value, () => this.writeRow(value, 'update'));
      this.audit.record(origin, { action: 'update', entity: this.opts.kind, name: value.name, detail: this.detail(value) });
      return value;
    }).immediate();
  }

  /**
   * Creates or replaces; returns what it did. Used by `apply`, which owns the transaction and runs the guard.
   * A row equal to `value` is left alone: re-applying a file must not bump the config version.
   */
  upsertInTransaction(validated: T, origin: WriteOrigin): 'create' | 'update' | 'unchanged' {
    const action = this.exists(validated.name) ? 'update' : 'create';
    const value = this.prepare(validated);
    if (action === 'update' && this.storedEquals(value)) return 'unchanged';
    this.writeRow(value, action === 'create' ? 'insert' : 'update');
    this.audit.record(origin, { action, entity: this.opts.kind, name: value.name, detail: this.detail(value) });
    return action;
  }

  /** Deletes an entity; not_found if absent, conflict if something still refers to it. */
  remove(name: string, origin: WriteOrigin): void {
    this.db.transaction(() => {
      if (!this.exists(name)) throw notFound(this.opts.kind, name);
      const removeExtra = this.opts.hooks?.removeExtra;
      if (removeExtra) removeExtra(this.get(name)!, origin);
      try {
        this.db.prepare(`DELETE FROM ${this.opts.table} WHERE name = ?`).run(name);
      } catch (err) {
        // ON DELETE RESTRICT reports SQLITE_CONSTRAINT_TRIGGER, not _FOREIGNKEY; the message is the same.
        if (isForeignKeyViolation(err)) {
          throw new RegistryError('conflict', [`${this.opts.kind} "${name}" is still in use`]);
        }
        throw err;
      }
      this.audit.record(origin, { action: 'delete', entity: this.opts.kind, name });
    }).immediate();
  }

  private guarded(value: T, write: () => void): void {
    if (this.guard) this.guard.around([{ kind: this.opts.kind, name: value.name }], write);
    else write();
  }

  /** Whether the stored row (read back the way `get` reads it) is the same value, key order aside. */
  private storedEquals(value: T): boolean {
    let stored: T | undefined;
    try {
      stored = this.get(value.name);
    } catch {
      return false; // a malformed row is never "unchanged"
    }
    return stored !== undefined && canonicalJson(stored) === canonicalJson(value);
  }

  /** The value to store: the entity's `prepare` hook applied against the row it replaces. */
  private prepare(value: T): T {
    const prepare = this.opts.hooks?.prepare;
    if (!prepare) return value;
    const row = this.db.prepare(`SELECT spec FROM ${this.opts.table} WHERE name = ?`).get(value.name) as { spec: string } | undefined;
    return prepare(value, row ? this.readNamed(value.name, row.spec) : undefined);
  }

  private exists(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM ${this.opts.table} WHERE name = ?`).get(name) !== undefined;
  }

  private writeRow(value: T, mode: 'insert' | 'update'): void {
    const hooks = this.opts.hooks;
    const cols: Record<string, unknown> = { spec: JSON.stringify(hooks?.toSpec ? hooks.toSpec(value) : value), ...hooks?.columns?.(value) };
    const names = Object.keys(cols);
    if (mode === 'insert') {
      this.db
        .prepare(`INSERT INTO ${this.opts.table} (name, ${names.join(', ')}) VALUES (?, ${names.map(() => '?').join(', ')})`)
        .run(value.name, ...Object.values(cols));
    } else {
      const sets = names.map((n) => `${n} = ?`).join(', ');
      this.db
        .prepare(`UPDATE ${this.opts.table} SET ${sets}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE name = ?`)
        .run(...Object.values(cols), value.name);
    }
    hooks?.writeExtra?.(value);
  }

  /** `read` for commands: a row written behind our back with bad JSON is named, not a bare SyntaxError. */
  private readNamed(name: string, spec: string): T {
    try {
      return this.read(spec);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      throw new Error(`${this.opts.kind} "${name}": spec is not valid JSON (${err.message}); fix or remove the row`);
    }
  }

  private read(spec: string): T {
    const value = JSON.parse(spec) as T;
    return this.opts.hooks?.readExtra ? this.opts.hooks.readExtra(value) : value;
  }

  private detail(value: T): unknown {
    return this.opts.hooks?.auditDetail ? this.opts.hooks.auditDetail(value) : value;
  }
}

/** JSON with object keys sorted, so two equal values compare equal whatever order their keys came in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function isForeignKeyViolation(err: unknown): boolean {
  const { code, message } = err as { code?: string; message?: string };
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || (code?.startsWith('SQLITE_CONSTRAINT') === true && /FOREIGN KEY/.test(message ?? ''));
}

function notFound(kind: string, name: string): RegistryError {
  return new RegistryError('not_found', [`${kind} "${name}" not found`]);
}
