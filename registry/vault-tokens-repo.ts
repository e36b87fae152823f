import type { Db } from './db.js';
import type { AuditRepo, WriteOrigin } from './audit-repo.js';
import type { SecretBox } from './secret-box.js';

/** A consumer's upstream tokens for one MCP server, decrypted (only the gateway reads these). */
export interface VaultTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Space-separated scopes the authorization server granted, if it said. */
  readonly scope?: string;
  /** When the access token expires (epoch ms), if the authorization server said. */
  readonly expiresAt?: number;
  /** When the gateway renews it (epoch ms): shortly before `expiresAt`. */
  readonly refreshAt?: number;
}

/** What may be shown of a stored grant: never a token. */
export interface VaultGrant {
  readonly consumer: string;
  readonly server: string;
  readonly scope: string | null;
  /** ISO time the access token expires, or null when unknown. */
  readonly expiresAt: string | null;
  /** Whether a refresh token is held (the access token is renewed without asking the user again). */
  readonly refreshable: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface Row {
  consumer: string;
  server: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  scope: string | null;
  expires_at: number | null;
  refresh_at: number | null;
  refreshable: number;
  created_at: string;
  updated_at: string;
}

/** The row's associated data: a sealed row cannot be moved to another consumer or server. */
const aad = (consumer: string, server: string) => `vault:${consumer}:${server}`;

/**
 * The per-user token vault's store: upstream access and refresh tokens per (consumer, MCP server), sealed with the
 * registry's secret key. Audit rows name the consumer and server only.
 */
export class VaultTokensRepo {
  /** Read on every tools/call and upstream message of a vault server: prepared once, not per call. */
  private readonly selectOne;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepo,
    private readonly box: () => SecretBox,
  ) {
    this.selectOne = db.prepare('SELECT * FROM vault_tokens WHERE consumer = ? AND server = ?');
  }

  /**
   * Stores (or replaces) the tokens of `consumer` for `server`. The gateway writes here (a consent, a refresh), not
   * an operator, so no audit row: revocations are audited.
   */
  put(key: { consumer: string; server: string }, tokens: VaultTokens): void {
    const { consumer, server } = key;
    const sealed = this.box().seal(aad(consumer, server), JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken }));
    this.db
        .prepare(
          `INSERT INTO vault_tokens (consumer, server, nonce, ciphertext, tag, scope, expires_at, refresh_at, refreshable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(consumer, server) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag,
             scope = excluded.scope, expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, refreshable = excluded.refreshable, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
        )
        .run(consumer, server, sealed.nonce, sealed.ciphertext, sealed.tag, tokens.scope ?? null, tokens.expiresAt ?? null, tokens.refreshAt ?? null, tokens.refreshToken ? 1 : 0);
  }

  /** The decrypted tokens, or undefined when none are stored (or the row cannot be opened: it is treated as absent). */
  get(consumer: string, server: string): VaultTokens | undefined {
    const row = this.selectOne.get(consumer, server) as Row | undefined;
    if (!row) return undefined;
    let plain: { a: string; r?: string };
    try {
      plain = JSON.parse(this.box().open(aad(consumer, server), row)) as { a: string; r?: string };
    } catch {
      return undefined;
    }
    return { accessToken: plain.a, refreshToken: plain.r, scope: row.scope ?? undefined, expiresAt: row.expires_at ?? undefined, refreshAt: row.refresh_at ?? undefined };
  }

  /** The grants of `consumer` (every consumer's when undefined), without tokens. */
  list(consumer?: string): VaultGrant[] {
    const rows = (
      consumer === undefined
        ? this.db.prepare('SELECT * FROM vault_tokens ORDER BY consumer, server').all()
        : this.db.prepare('SELECT * FROM vault_tokens WHERE consumer = ? ORDER BY server').all(consumer)
    ) as Row[];
    return rows.map((r) => ({
      consumer: r.consumer,
      server: r.server,
      scope: r.scope,
      expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
      refreshable: r.refreshable === 1,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  /**
   * Deletes the tokens of `consumer` (for `server` only when given); returns the servers whose tokens went. An
   * operator's or user's revocation is audited (`origin`); the gateway dropping a grant it cannot renew is not.
   */
  revoke(consumer: string, server: string | undefined, origin?: WriteOrigin): string[] {
    return this.db.transaction(() => {
      const gone = (
        server === undefined
          ? this.db.prepare('DELETE FROM vault_tokens WHERE consumer = ? RETURNING server').all(consumer)
          : this.db.prepare('DELETE FROM vault_tokens WHERE consumer = ? AND server = ? RETURNING server').all(consumer, server)
      ) as Array<{ server: string }>;
      if (origin) for (const g of gone) this.audit.record(origin, { action: 'delete', entity: 'vault-token', name: `${consumer}/${g.server}` });
      return gone.map((g) => g.server);
    }).immediate();
  }
}
