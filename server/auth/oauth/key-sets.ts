import type { JWTVerifyGetKey } from 'jose';
import { issuerMetadata } from '../auth-server-http.js';
import { loadJose } from './load-jose.js';

/** How the issuers' signing keys are fetched; one set of options per gateway. */
export interface KeySetOptions {
  /** Longest wait for an issuer's metadata or JWKS before a token is refused as unverifiable, ms (default 3000). */
  readonly timeoutMs?: number;
  /** After a fetch, how long a token with an unknown `kid` is refused without fetching again, ms (default 30000). */
  readonly cooldownMs?: number;
  /** How long fetched keys are used before they are fetched again, ms (default 600000). */
  readonly maxAgeMs?: number;
}

/** Where an issuer's keys are: configured, or learnt from its metadata. */
export interface KeySetSource {
  readonly issuer: string;
  readonly jwksUri?: string;
}

// A failed discovery is retried no sooner than this: a down IdP is not asked again for every request.
const DISCOVERY_RETRY_MS = 5_000;

/**
 * The issuers' JWKS, fetched and cached by jose's remote key set (refetched on an unknown `kid` at most once per
 * cooldown, every fetch bounded by a timeout): one per JWKS URL for the gateway's life, so a config reload keeps
 * the cache and every server of one issuer shares it. A request waits for a fetch at most `timeoutMs`; the
 * event loop never does.
 */
export class KeySets {
  private readonly sets = new Map<string, JWTVerifyGetKey>();
  private readonly discovered = new Map<string, { uri?: Promise<string>; failedAt?: number }>();

  constructor(private readonly options: KeySetOptions = {}) {}

  /** How long one fetch may take, ms. */
  get timeoutMs(): number {
    return this.options.timeoutMs ?? 3_000;
  }

  /** The key resolver for `source`'s tokens (discovers the JWKS URL from the issuer's metadata when not configured). */
  async keysFor(source: KeySetSource): Promise<JWTVerifyGetKey> {
    const uri = source.jwksUri ?? (await this.discover(source.issuer));
    let set = this.sets.get(uri);
    if (!set) {
      const { createRemoteJWKSet } = await loadJose();
      // Looked up again: another request may have made the set while jose loaded.
      set = this.sets.get(uri) ?? createRemoteJWKSet(new URL(uri), {
        timeoutDuration: this.timeoutMs,
        cooldownDuration: this.options.cooldownMs ?? 30_000,
        cacheMaxAge: this.options.maxAgeMs ?? 600_000,
      });
      this.sets.set(uri, set);
    }
    return set;
  }

  private discover(issuer: string): Promise<string> {
    const entry = this.discovered.get(issuer);
    if (entry?.uri) return entry.uri;
    if (entry?.failedAt !== undefined && Date.now() - entry.failedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(new Error(`metadata of ${issuer} could not be read recently; not asking again yet`));
    }
    const uri = discoverJwksUri(issuer, this.timeoutMs);
    this.discovered.set(issuer, { uri });
    uri.catch(() => this.discovered.set(issuer, { failedAt: Date.now() }));
    return uri;
  }
}

/** The issuer's `jwks_uri`, from its metadata. */
async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  let doc: Record<string, unknown>;
  try {
    doc = await issuerMetadata(issuer, timeoutMs);
  } catch (err) {
    throw new Error(`no signing keys found for ${issuer}: ${(err as Error).message}`);
  }
  if (typeof doc.jwks_uri !== 'string') throw new Error(`no signing keys found for ${issuer}: its metadata has no jwks_uri`);
  return doc.jwks_uri;
}
