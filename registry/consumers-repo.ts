import * as nodeCrypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import type { AuditRepo, WriteOrigin } from './audit-repo.js';
import { SpecStore } from './spec-store.js';
import type { SecretsRepo } from './secrets-repo.js';
import { RegistryError } from './errors.js';

/** A stored consumer (consumer.schema.json). */
export interface ConsumerSpec {
  name: string;
  groups: string[];
  description?: string;
  /** JWTs from this issuer authenticate as this consumer. */
  jwt?: ConsumerJwtSpec;
  /** HTTP basic credentials; the password only as an scrypt hash. */
  basicAuth?: { username: string; passwordHash: string };
  /** Per MCP server: `{{.config.X}}` name → the stored secret with this consumer's own value. */
  mcpSettings?: Record<string, Record<string, string>>;
}

/** How a consumer's JWTs are verified. */
export interface ConsumerJwtSpec {
  issuer: string;
  subject?: string;
  audience?: string;
  algorithms: Array<'HS256' | 'RS256'>;
  /** Name of the secret holding the HS256 key. */
  secretRef?: string;
  publicKey?: string;
  jwksFile?: string;
  clockSkewSeconds: number;
}

/** A consumer's key as listed: never the key itself, only its prefix. */
export interface ConsumerKeyInfo {
  id: number;
  consumer: string;
  keyPrefix: string;
  createdAt: string;
}

// The one-shot crypto.hash (Node >= 20.12) skips the Hash object: ~0.2 µs instead of ~0.6 µs, and the auth
// filter hashes the presented key on every request. Same digest either way.
const sha256Hex: (data: string) => string =
  typeof nodeCrypto.hash === 'function' ? (data) => nodeCrypto.hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex');

/** Hex SHA-256 of an API key: keys are 192-bit random strings, so a fast hash is the right tool. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** Consumers and their API keys (stored as hashes; a new key is returned once, at creation). */
export class ConsumersRepo {
  readonly store: SpecStore<ConsumerSpec>;
  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepo,
    secrets: () => SecretsRepo,
  ) {
    // A consumer's own server settings are secrets named from its spec: they go with it.
    const removeExtra = (consumer: ConsumerSpec, origin: WriteOrigin): void => {
      for (const names of Object.values(consumer.mcpSettings ?? {})) {
        for (const secret of Object.values(names)) if (secrets().has(secret)) secrets().remove(secret, origin);
      }
    };
    this.store = new SpecStore<ConsumerSpec>(db, audit, { table: 'consumers', kind: 'consumer', hooks: { removeExtra } });
  }

  /** Creates a key for `consumer` and returns it in clear: the only time it is ever visible. */
  issueKey(consumer: string, origin: WriteOrigin): { key: string; info: ConsumerKeyInfo } {
    const key = 'agk_' + randomBytes(24).toString('base64url');
    return this.db.transaction(() => {
      if (!this.store.get(consumer)) throw new RegistryError('not_found', [`consumer "${consumer}" not found`]);
      const row = this.db
        .prepare('INSERT INTO consumer_keys (consumer, key_hash, key_prefix) VALUES (?, ?, ?) RETURNING id, created_at')
        .get(consumer, hashApiKey(key), key.slice(0, 10)) as { id: number; created_at: string };
      this.audit.record(origin, { action: 'create', entity: 'consumerKey', name: consumer, detail: { keyPrefix: key.slice(0, 10) } });
      return { key, info: { id: row.id, consumer, keyPrefix: key.slice(0, 10), createdAt: row.created_at } };
    }).immediate();
  }

  /** All keys with their consumer, for compiling the gateway's key index. */
  listKeyHashes(): Array<{ consumer: string; keyHash: string }> {
    return this.db.prepare('SELECT consumer, key_hash AS keyHash FROM consumer_keys').all() as Array<{
      consumer: string;
      keyHash: string;
    }>;
  }

  /** Revokes key `id` of `consumer` (ids come from `listKeys`); the running gateway stops accepting it on reload. */
  revokeKey(consumer: string, id: number, origin: WriteOrigin): void {
    this.db.transaction(() => {
      const row = this.db.prepare('DELETE FROM consumer_keys WHERE consumer = ? AND id = ? RETURNING key_prefix AS keyPrefix').get(consumer, id) as
        | { keyPrefix: string }
        | undefined;
      if (!row) throw new RegistryError('not_found', [`consumer "${consumer}" has no key ${id}`]);
      this.audit.record(origin, { action: 'delete', entity: 'consumerKey', name: consumer, detail: { id, keyPrefix: row.keyPrefix } });
    }).immediate();
  }

  /** A consumer's keys, without the keys themselves. */
  listKeys(consumer: string): ConsumerKeyInfo[] {
    return this.db
      .prepare('SELECT id, consumer, key_prefix AS keyPrefix, created_at AS createdAt FROM consumer_keys WHERE consumer = ? ORDER BY id')
      .all(consumer) as ConsumerKeyInfo[];
  }
}
