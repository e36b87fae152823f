import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './db.js';

/** Which interface made a change; recorded in the audit log (`data-plane`: a consumer's own settings). */
export type WriteOrigin = 'cli' | 'admin-api' | 'seed' | 'data-plane';

/** One audit log row. */
export interface AuditEntry {
  id: number;
  at: string;
  interface: WriteOrigin;
  action: 'create' | 'update' | 'delete';
  entity: string;
  name: string;
  detail: unknown;
  /** Who, for admin API changes: "admin token" or "console session <short id>"; for data-plane ones "consumer <name>"; null otherwise. */
  actor: string | null;
  /** The admin client's address; null for other interfaces. */
  address: string | null;
}

/** Who is making the admin API changes of the current request. */
export interface AuditActor {
  readonly actor: string;
  readonly address: string;
}

/** What a change did to which entity: an audit log row without its id, time, interface and actor. */
export type AuditChange = Pick<AuditEntry, 'action' | 'entity' | 'name'> & { detail?: unknown };

/** How long the audit log keeps rows; 0 (or absent) turns a limit off. */
export interface AuditRetention {
  /** Rows older than this many days are pruned. */
  days?: number;
  /** Only the newest this many rows are kept. */
  rows?: number;
}

/** The append-only log of every registry change: what, when, and through which interface. */
export class AuditRepo {
  private readonly insert;
  // The actor rides with the admin request (through its awaits too) instead of through every repository call.
  private readonly actors = new AsyncLocalStorage<AuditActor>();
  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO audit_log (interface, action, entity, name, detail, actor, address) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Runs `fn` (an admin request's, or a consumer's settings request's, handling) with its changes recorded as made by `actor`. */
  runAs<T>(actor: AuditActor, fn: () => T): T {
    return this.actors.run(actor, fn);
  }

  /** Records a change; call inside the write's transaction so both commit or neither does. */
  record(origin: WriteOrigin, change: AuditChange): void {
    const { action, entity, name, detail } = change;
    // Only admin API and data-plane writes name an actor: work started by a request (a timer, a backend) must not inherit it.
    const who = origin === 'admin-api' || origin === 'data-plane' ? this.actors.getStore() : undefined;
    this.insert.run(origin, action, entity, name, detail === undefined ? null : JSON.stringify(detail), who?.actor ?? null, who?.address ?? null);
  }

  /**
   * Deletes at most `batch` rows the retention policy no longer keeps, oldest first, and returns how many it
   * deleted: callers loop until 0, yielding between batches, so no single write holds the lock for long.
   */
  pruneBatch(policy: AuditRetention, batch = 500): number {
    let deleted = 0;
    if (policy.days) {
      const cutoff = new Date(Date.now() - policy.days * 86_400_000).toISOString();
      deleted += this.db
        .prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)')
        .run(cutoff, batch).changes;
    }
    if (policy.rows && deleted < batch) {
      deleted += this.db
        .prepare(
          `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log
             WHERE id <= (SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?) ORDER BY id LIMIT ?)`,
        )
        .run(policy.rows, batch - deleted).changes;
    }
    return deleted;
  }

  /** The newest entries first. */
  list(limit = 100): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT id, at, interface, action, entity, name, detail, actor, address FROM audit_log ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<Omit<AuditEntry, 'detail'> & { detail: string | null }>;
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
