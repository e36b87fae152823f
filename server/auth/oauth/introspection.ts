import { createHash } from 'node:crypto';
import { askAuthServer, clientSecretBasic } from '../auth-server-http.js';
import { ExpiringCache } from './expiring-cache.js';

/** The claims agate reads from a verified token or an introspection answer. */
export interface TokenClaims {
  readonly sub?: unknown;
  readonly scope?: unknown;
  readonly scp?: unknown;
}

/** An introspection endpoint and the credentials agate presents to it (RFC 7662 §2.1). */
export interface IntrospectionConfig {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Longest wait for an answer, ms. */
  readonly timeoutMs: number;
}

/** An introspection outcome. */
export type IntrospectionVerdict = { ok: true; claims: TokenClaims } | { ok: false; unavailable: boolean; reason: string };

// Answers are reused this long at most (and never past the token's `exp`): a revoked token stops working soon.
const CACHE_TTL_MS = 30_000;
/** Most answers remembered. */
const CACHE_LIMIT = 10_000;

/**
 * Checks opaque tokens with the authorization server's introspection endpoint, caching each answer (active or not)
 * by the token's SHA-256 for a short time: the token itself is never kept.
 */
export class Introspector {
  private readonly cache = new ExpiringCache<IntrospectionVerdict>(CACHE_LIMIT);

  constructor(private readonly config: IntrospectionConfig) {}

  /** Whether `token` is active, from `expect.issuer`, for `expect.audience`. */
  async introspect(token: string, expect: { issuer: string; audience: string }): Promise<IntrospectionVerdict> {
    const key = createHash('sha256').update(token).update('\0').update(expect.audience).digest('base64url');
    const hit = this.cache.get(key);
    if (hit) return hit;
    let answer: Record<string, unknown>;
    try {
      answer = await this.ask(token);
    } catch (err) {
      return { ok: false, unavailable: true, reason: `introspection failed: ${(err as Error).message}` };
    }
    const verdict = judge(answer, expect);
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : Infinity;
    this.cache.set(key, verdict, Math.min(Date.now() + CACHE_TTL_MS, exp));
    return verdict;
  }

  private async ask(token: string): Promise<Record<string, unknown>> {
    const { url, clientId, clientSecret, timeoutMs } = this.config;
    const answer = await askAuthServer(url, {
      method: 'POST',
      headers: { authorization: clientSecretBasic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      form: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      timeoutMs,
    });
    if (!answer.ok) throw new Error(`HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
    if (!answer.json) throw new Error('the answer is not a JSON object');
    return answer.json;
  }
}

function judge(a: Record<string, unknown>, expect: { issuer: string; audience: string }): IntrospectionVerdict {
  if (a.active !== true) return { ok: false, unavailable: false, reason: 'token is not active' };
  if (a.iss !== undefined && a.iss !== expect.issuer) return { ok: false, unavailable: false, reason: 'claim iss: unexpected issuer' };
  const aud = Array.isArray(a.aud) ? a.aud : [a.aud];
  if (!aud.includes(expect.audience)) return { ok: false, unavailable: false, reason: 'claim aud: not this resource' };
  // A token without a subject (client credentials) stands for its client, kept apart from users' subjects.
  const sub = typeof a.sub === 'string' && a.sub !== '' ? a.sub : typeof a.client_id === 'string' && a.client_id !== '' ? `client:${a.client_id}` : undefined;
  if (sub === undefined) return { ok: false, unavailable: false, reason: 'claim sub: missing (and no client_id)' };
  return { ok: true, claims: { sub, scope: a.scope, scp: a.scp } };
}
