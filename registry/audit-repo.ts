import type { Db } from './db.js';

/** Which interface made a change; recorded in the audit log. */
export type WriteOrigin = 'cli' | 'admin-api' | 'seed';

/** One audit log row. */
export interface AuditEntry {
  id: number;
  at: string;
  interface: WriteOrigin;
  action: 'create' | 'update' | 'delete';
  entity: string;
  name: string;
  detail: unknown;
}

/** The append-only log of every registry change: what, when, and through which interface. */
export class AuditRepo {
  private readonly insert;
  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO audit_log (interface, action, entity, name, detail) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /** Records a change; call inside the write's transaction so both commit or neither does. */
  record(origin: WriteOrigin, action: AuditEntry['action'], entity: string, name: string, detail?: unknown): void {
    this.insert.run(origin, action, entity, name, detail === undefined ? null : JSON.stringify(detail));
  }

  /** The newest entries first. */
  list(limit = 100): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT id, at, interface, action, entity, name, detail FROM audit_log ORDER BY id DESC LIMIT ?')
      .all(limit) as Array<Omit<AuditEntry, 'detail'> & { detail: string | null }>;
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
