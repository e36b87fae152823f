import { createHash } from 'node:crypto';
import { hashApiKey, type ConsumerSpec } from '../../registry/index.js';
import type { ConsumerIdentity } from '../pipeline/index.js';
import { decodeJwt, loadRsaKeys, verifyJwt, type JwtIssuer } from './jwt.js';
import { verifyPassword } from './password.js';

/** What the directory is built from: one registry read, inside the snapshot's transaction. */
export interface DirectorySource {
  consumers: readonly ConsumerSpec[];
  keyHashes: ReadonlyArray<{ consumer: string; keyHash: string }>;
  /** Resolves an HS256 secret by name; undefined when missing. */
  secret(name: string): string | undefined;
}

/** The outcome of checking one credential. */
export type Verdict = { ok: true; consumer: ConsumerIdentity } | { ok: false; reason: string };

interface JwtEntry extends JwtIssuer {
  identity: ConsumerIdentity;
  subject?: string;
}

/** Successful basic-auth checks remembered per snapshot, so scrypt runs once per credential, not per request. */
const BASIC_CACHE_LIMIT = 1024;

/**
 * Every consumer credential, indexed for one lookup per request: API keys by hash, JWT issuers, basic-auth
 * users. Compiled per snapshot; shared by the HTTP, MCP and LLM ingresses through the auth filter.
 */
export class ConsumerDirectory {
  private readonly byKeyHash = new Map<string, ConsumerIdentity>();
  private readonly byIssuer = new Map<string, JwtEntry[]>();
  private readonly byUser = new Map<string, { identity: ConsumerIdentity; passwordHash: string }>();
  private readonly basicOk = new Map<string, ConsumerIdentity>();

  /** Builds the index; returns problems (a missing secret, an unreadable JWKS) instead of throwing. */
  static compile(source: DirectorySource, problems: string[]): ConsumerDirectory {
    const dir = new ConsumerDirectory();
    const identities = new Map<string, ConsumerIdentity>();
    for (const c of source.consumers) {
      const identity = Object.freeze({ name: c.name, groups: Object.freeze([...c.groups]) });
      if (c.jwt) {
        try {
          dir.addJwt(identity, c, source);
        } catch (err) {
          // Held back whole: none of its credentials (keys, basic auth) authenticate until it is fixed.
          problems.push(`consumer "${c.name}": consumer.jwt: ${(err as Error).message}`);
          continue;
        }
      }
      identities.set(c.name, identity);
      if (c.basicAuth) dir.byUser.set(c.basicAuth.username, { identity, passwordHash: c.basicAuth.passwordHash });
    }
    for (const k of source.keyHashes) {
      const identity = identities.get(k.consumer);
      if (identity) dir.byKeyHash.set(k.keyHash, identity);
    }
    return dir;
  }

  private addJwt(identity: ConsumerIdentity, c: ConsumerSpec, source: DirectorySource): void {
    const j = c.jwt!;
    let hmacSecret: Buffer | undefined;
    if (j.secretRef) {
      const value = source.secret(j.secretRef);
      if (value === undefined) throw new Error(`secret "${j.secretRef}" not found`);
      hmacSecret = Buffer.from(value, 'utf8');
    }
    const rsaKeys = loadRsaKeys(j.publicKey, j.jwksFile);
    if (j.algorithms.includes('HS256') && !hmacSecret) throw new Error('HS256 needs secretRef');
    if (j.algorithms.includes('RS256') && rsaKeys.length === 0) throw new Error('RS256 needs publicKey or jwksFile');
    const entry: JwtEntry = {
      identity,
      subject: j.subject,
      keys: { hmacSecret, rsaKeys },
      policy: { algorithms: j.algorithms, audience: j.audience, clockSkewSeconds: j.clockSkewSeconds },
    };
    const list = this.byIssuer.get(j.issuer) ?? [];
    list.push(entry);
    this.byIssuer.set(j.issuer, list);
  }

  /** The consumer owning an API key. */
  byKey(key: string): Verdict {
    // No key is issued at all: no need to hash what the client presented (SHA-256 on every request).
    const consumer = this.byKeyHash.size === 0 ? undefined : this.byKeyHash.get(hashApiKey(key));
    return consumer ? { ok: true, consumer } : { ok: false, reason: 'unknown API key' };
  }

  /** The consumer a JWT was issued for (by `iss`, and `sub` where the consumer pins one). */
  byJwt(token: string, nowSeconds = Date.now() / 1000): Verdict {
    const jwt = decodeJwt(token);
    if (!jwt) return { ok: false, reason: 'malformed token' };
    const iss = jwt.claims.iss;
    const entries = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (!entries) return { ok: false, reason: 'unknown issuer' };
    let reason = 'subject does not match';
    for (const e of entries) {
      if (e.subject !== undefined && e.subject !== jwt.claims.sub) continue;
      const failure = verifyJwt(jwt, e, nowSeconds);
      if (!failure) return { ok: true, consumer: e.identity };
      reason = failure;
    }
    return { ok: false, reason };
  }

  /** The consumer with these basic-auth credentials. */
  byBasic(username: string, password: string): Verdict {
    const user = this.byUser.get(username);
    if (!user) return { ok: false, reason: 'unknown user' };
    const cacheKey = createHash('sha256').update(username).update('\0').update(password).digest('base64');
    const hit = this.basicOk.get(cacheKey);
    if (hit) return { ok: true, consumer: hit };
    if (!verifyPassword(password, user.passwordHash)) return { ok: false, reason: 'wrong password' };
    if (this.basicOk.size >= BASIC_CACHE_LIMIT) this.basicOk.clear();
    this.basicOk.set(cacheKey, user.identity);
    return { ok: true, consumer: user.identity };
  }
}
