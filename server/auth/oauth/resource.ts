import type { JWTPayload } from 'jose';
import { loadJose, type Jose } from './load-jose.js';
import type { ConsumerIdentity } from '../../pipeline/index.js';
import type { Introspector, TokenClaims } from './introspection.js';
import type { KeySets } from './key-sets.js';
import { ExpiringCache } from './expiring-cache.js';

/**
 * Signature algorithms a token may use: asymmetric only. No `none`, and no HMAC, so a public key can never be
 * used as an HMAC secret (the RS256 → HS256 confusion); jose also matches each key to its own algorithm.
 */
export const ACCEPTED_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/** Clock skew allowed on `exp` and `nbf`, seconds. */
const CLOCK_SKEW_SECONDS = 30;
/**
 * A verified JWT is remembered this long at most (never past its `exp`): an RS256 check through WebCrypto costs
 * ~130 µs of CPU, and a client sends the same token with every message. A key withdrawn from the JWKS stops
 * being honoured within this time.
 */
const VERIFIED_TTL_MS = 60_000;
/** Most verified tokens remembered. */
const VERIFIED_LIMIT = 4096;

/** What one MCP server requires of an access token (compiled from its `auth`, frozen). */
export interface OAuthResourceConfig {
  /** The MCP server's name: its resource URL is `/mcp/<name>`. */
  readonly server: string;
  readonly issuer: string;
  readonly jwksUri?: string;
  /** Scopes every token must hold. */
  readonly scopes: readonly string[];
  /** The audience required; undefined: the canonical URL the client reached (see `resourceUrl`). */
  readonly audience?: string;
  /** Checks opaque tokens (RFC 7662), when configured. */
  readonly introspector?: Introspector;
}

/** Why a token was refused: `invalid` (401 invalid_token) or `unavailable` (the issuer could not be asked: 503). */
export type TokenVerdict = { ok: true; consumer: ConsumerIdentity } | { ok: false; unavailable: boolean; reason: string };

/** The request facts the resource URL is built from (scheme and Host, already checked by the listener). */
export interface RequestOrigin {
  readonly protocol: string;
  readonly host: string;
}

/** The MCP server as an OAuth 2.1 resource server (MCP authorization; RFC 9728, RFC 8707, RFC 6750). */
export class OAuthResource {
  private readonly verified = new ExpiringCache<ConsumerIdentity>(VERIFIED_LIMIT);

  constructor(
    readonly config: OAuthResourceConfig,
    private readonly keys: KeySets,
  ) {}

  /**
   * The resource identifier: the configured audience, else the server's canonical URL as the client reached it.
   * The Host was checked against the names the gateway serves (DNS-rebinding defence) before this runs.
   */
  resourceUrl(origin: RequestOrigin): string {
    return this.config.audience ?? `${origin.protocol}://${origin.host}/mcp/${this.config.server}`;
  }

  /** Where the Protected Resource Metadata of this server is published (RFC 9728 §3.1: path inserted). */
  metadataUrl(origin: RequestOrigin): string {
    return `${origin.protocol}://${origin.host}/.well-known/oauth-protected-resource/mcp/${this.config.server}`;
  }

  /** The Protected Resource Metadata document (RFC 9728 §2); the authorization server's own is never copied here. */
  metadata(origin: RequestOrigin): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      resource: this.resourceUrl(origin),
      authorization_servers: [this.config.issuer],
      bearer_methods_supported: ['header'],
      resource_name: `agate MCP server ${this.config.server}`,
    };
    if (this.config.scopes.length) doc.scopes_supported = [...this.config.scopes];
    return doc;
  }

  /** Checks `token` (a JWT against the issuer's keys, else by introspection) for this resource. */
  async verify(token: string, origin: RequestOrigin): Promise<TokenVerdict> {
    const audience = this.resourceUrl(origin);
    if (token.split('.').length !== 3) {
      if (!this.config.introspector) return { ok: false, unavailable: false, reason: 'not a JWT, and this server has no introspection endpoint' };
      const answer = await this.config.introspector.introspect(token, { issuer: this.config.issuer, audience });
      return answer.ok ? { ok: true, consumer: this.identity(answer.claims) } : answer;
    }
    // Keyed by audience too: with the default audience, one token may be presented under several host names.
    const cacheKey = `${audience} ${token}`;
    const hit = this.verified.get(cacheKey);
    if (hit) return { ok: true, consumer: hit };
    const jose = await loadJose();
    try {
      const keys = await this.keys.keysFor(this.config);
      const { payload } = await jose.jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience,
        algorithms: [...ACCEPTED_ALGORITHMS],
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      const consumer = this.identity(payload);
      this.verified.set(cacheKey, consumer, Math.min(Date.now() + VERIFIED_TTL_MS, (payload.exp! + CLOCK_SKEW_SECONDS) * 1000));
      return { ok: true, consumer };
    } catch (err) {
      return refusal(err, jose.errors);
    }
  }

  /** The consumer a token stands for: `<issuer>#<sub>` (no agate consumer name has a `#`), with its scopes. */
  identity(claims: TokenClaims | JWTPayload): ConsumerIdentity {
    const subject = String(claims.sub);
    const issuer = this.config.issuer;
    return Object.freeze({ name: `${issuer}#${subject}`, groups: [], oauth: Object.freeze({ issuer, subject, scopes: Object.freeze(scopesOf(claims)) }) });
  }

  /** The required scopes `consumer` lacks. */
  missingScopes(consumer: ConsumerIdentity): string[] {
    const held = consumer.oauth?.scopes ?? [];
    return this.config.scopes.filter((s) => !held.includes(s));
  }
}

/** A token's scopes: the space-separated `scope` claim (RFC 9068 §2.2.3, RFC 7662), or an `scp` array (Azure, Okta). */
export function scopesOf(claims: TokenClaims): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

function refusal(err: unknown, joseErrors: Jose['errors']): TokenVerdict {
  if (err instanceof joseErrors.JWKSTimeout) return { ok: false, unavailable: true, reason: 'the signing keys could not be fetched in time' };
  if (err instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, unavailable: false, reason: `claim ${err.claim}: ${err.reason}` };
  if (err instanceof joseErrors.JWKSNoMatchingKey) return { ok: false, unavailable: false, reason: 'no signing key of the issuer matches the token (unknown kid)' };
  if (err instanceof joseErrors.JOSEError) return { ok: false, unavailable: false, reason: err.message };
  // Anything else is the key fetch itself failing (refused connection, bad JSON, discovery): not the token's fault.
  return { ok: false, unavailable: true, reason: `the issuer's keys could not be read: ${(err as Error).message}` };
}
