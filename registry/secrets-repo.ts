import type { Db } from './db.js';
import type { AuditRepo, WriteOrigin } from './audit-repo.js';
import { RegistryError } from './errors.js';
import { validateEntity } from './validation.js';
import type { SecretBox } from './secret-box.js';

/** Secrets (upstream and provider API keys), encrypted at rest with AES-256-GCM. */
export class SecretsRepo {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepo,
    private readonly box: SecretBox,
  ) {}

  /** Stores or replaces a secret. The audit log records the name only. */
  put(name: string, value: string, origin: WriteOrigin): void {
    const result = validateEntity<{ name: string; value: string }>('secret', { name, value });
    if (!result.ok) throw new RegistryError('validation', result.errors);
    const sealed = this.box.seal(name, value);
    this.db.transaction(() => {
      const existed = this.has(name);
      this.db
        .prepare(
          `INSERT INTO secrets (name, nonce, ciphertext, tag) VALUES (?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext,
             tag = excluded.tag, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
        )
        .run(name, sealed.nonce, sealed.ciphertext, sealed.tag);
      this.audit.record(origin, { action: existed ? 'update' : 'create', entity: 'secret', name });
    }).immediate();
  }

  /** The decrypted value, or undefined. Throws if the key cannot open it (wrong AGATE_SECRET_KEY). */
  get(name: string): string | undefined {
    const row = this.db.prepare('SELECT nonce, ciphertext, tag FROM secrets WHERE name = ?').get(name) as
      | { nonce: Buffer; ciphertext: Buffer; tag: Buffer }
      | undefined;
    if (!row) return undefined;
    try {
      return this.box.open(name, row);
    } catch {
      // GCM cannot tell a wrong key from a tampered or swapped row (the name is the AAD): name both causes.
      throw new Error(`secret "${name}" cannot be decrypted: the secret key differs from the one that sealed it, or the row was altered`);
    }
  }

  /** Whether a secret exists. */
  has(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM secrets WHERE name = ?').get(name) !== undefined;
  }

  /** Secret names (never values). */
  names(): string[] {
    return (this.db.prepare('SELECT name FROM secrets ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  /** Deletes a secret. */
  remove(name: string, origin: WriteOrigin): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes === 0) {
        throw new RegistryError('not_found', [`secret "${name}" not found`]);
      }
      this.audit.record(origin, { action: 'delete', entity: 'secret', name });
    }).immediate();
  }
}
