import { createHash } from 'node:crypto';
import { askAuthServer, clientSecretBasic, type AuthServerAnswer } from './auth-server-http.js';

/** RFC 8693 §2.1: the grant type of a token exchange request. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: an OAuth 2.0 access token, as subject_token_type and requested_token_type. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** An authorization server's token endpoint and agate's client there (the secret already decrypted). */
export interface TokenEndpoint {
  /** `client_credentials` (RFC 6749 §4.4): one token for every caller; `token_exchange` (RFC 8693): one per caller. */
  readonly type: 'client_credentials' | 'token_exchange';
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly resource?: string;
}

/** Why no token could be had: the message names the endpoint's answer, never a secret or a token. */
export class UpstreamTokenError extends Error {
  override name = 'UpstreamTokenError';
}

/** The bearer tokens of one upstream, cached until shortly before they expire. */
export interface UpstreamTokenSource {
  /** The token for a call; `subjectToken` is the caller's own bearer token (token exchange only). */
  token(subjectToken?: string): Promise<string>;
  /** The upstream refused `token` (HTTP 401): it is forgotten, so the next call gets a fresh one. */
  rejected(token: string, subjectToken?: string): void;
}

interface Issued {
  readonly token: string;
  /** When the token is renewed: shortly before it expires. */
  readonly staleAt: number;
}

/** Most cached tokens per upstream (token exchange: one per caller); the oldest go first. */
const MAX_CACHED = 10_000;
/** The endpoint must answer within this. */
const TOKEN_TIMEOUT_MS = 10_000;
/** RFC 6749 §5.1 makes expires_in optional; without it a token is kept this long. */
const DEFAULT_LIFETIME_S = 300;

/**
 * Tokens from `endpoint`, cached per caller (token exchange: by a hash of the caller's token, so one user's
 * exchanged token never serves another's call) and fetched once however many calls wait for one (single flight).
 */
export function upstreamTokenSource(endpoint: TokenEndpoint, now: () => number = Date.now): UpstreamTokenSource {
  const cache = new Map<string, Issued>();
  const pending = new Map<string, Promise<string>>();
  const keyOf = (subject: string | undefined) => (endpoint.type === 'client_credentials' ? '' : createHash('sha256').update(subject ?? '').digest('base64url'));
  return {
    token(subjectToken) {
      if (endpoint.type === 'token_exchange' && !subjectToken) return Promise.reject(new UpstreamTokenError('the request carries no bearer token to exchange'));
      const key = keyOf(subjectToken);
      const cached = cache.get(key);
      if (cached && now() < cached.staleAt) return Promise.resolve(cached.token);
      let flight = pending.get(key);
      if (!flight) {
        flight = fetchToken(endpoint, subjectToken, now)
          .then((issued) => {
            remember(cache, key, { issued, at: now() });
            return issued.token;
          })
          .finally(() => pending.delete(key));
        pending.set(key, flight);
      }
      return flight;
    },
    rejected(token, subjectToken) {
      const key = keyOf(subjectToken);
      if (cache.get(key)?.token === token) cache.delete(key);
    },
  };
}

/** Caches `entry.issued` under `key`; when full, drops the stale entries (as of `entry.at`), then the oldest. */
function remember(cache: Map<string, Issued>, key: string, entry: { issued: Issued; at: number }): void {
  const { issued, at } = entry;
  cache.delete(key);
  if (cache.size >= MAX_CACHED) {
    for (const [k, v] of cache) if (v.staleAt <= at) cache.delete(k);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, issued);
}

/** The token request's form: RFC 6749 §4.4.2 or RFC 8693 §2.1, with the optional audience, resource and scope. */
function tokenForm(endpoint: TokenEndpoint, subjectToken: string | undefined): URLSearchParams {
  const form = new URLSearchParams();
  if (endpoint.type === 'client_credentials') form.set('grant_type', 'client_credentials');
  else {
    form.set('grant_type', TOKEN_EXCHANGE_GRANT);
    form.set('subject_token', subjectToken!);
    form.set('subject_token_type', ACCESS_TOKEN_TYPE);
    form.set('requested_token_type', ACCESS_TOKEN_TYPE);
  }
  if (endpoint.resource) form.set('resource', endpoint.resource);
  if (endpoint.audience) form.set('audience', endpoint.audience);
  if (endpoint.scope) form.set('scope', endpoint.scope);
  return form;
}

async function fetchToken(endpoint: TokenEndpoint, subjectToken: string | undefined, now: () => number): Promise<Issued> {
  let answer: AuthServerAnswer;
  try {
    answer = await askAuthServer(endpoint.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: clientSecretBasic(endpoint.clientId, endpoint.clientSecret) },
      form: tokenForm(endpoint, subjectToken),
      redirect: 'manual',
      timeoutMs: TOKEN_TIMEOUT_MS,
    });
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    throw new UpstreamTokenError(`token endpoint ${endpoint.tokenUrl} unreachable: ${cause?.message ?? (err as Error).message}`);
  }
  const body = answer.json;
  if (!answer.ok) {
    // RFC 6749 §5.2: `error` (and `error_description`) say why; the endpoint's words, not the secret, go on.
    const why = typeof body?.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : ''}` : 'no OAuth error';
    throw new UpstreamTokenError(`token endpoint ${endpoint.tokenUrl} answered HTTP ${answer.status}: ${why}`);
  }
  return issuedFrom(body, endpoint.tokenUrl, now());
}

/** RFC 6749 §5.1 / RFC 8693 §2.2.1: a Bearer `access_token`, with `expires_in` seconds when the server gives it. */
function issuedFrom(body: Record<string, unknown> | undefined, tokenUrl: string, at: number): Issued {
  const token = body?.access_token;
  if (typeof token !== 'string' || token === '') throw new UpstreamTokenError(`token endpoint ${tokenUrl} answered without an access_token`);
  if (typeof body!.token_type !== 'string' || body!.token_type.toLowerCase() !== 'bearer') {
    throw new UpstreamTokenError(`token endpoint ${tokenUrl} answered token_type ${JSON.stringify(body!.token_type)}, not Bearer`);
  }
  const expiresIn = typeof body!.expires_in === 'number' && body!.expires_in > 0 ? body!.expires_in : DEFAULT_LIFETIME_S;
  const lifetimeMs = expiresIn * 1000;
  // Renewed a little early (a tenth of its life, at most 30 s), so a call never goes out with a token about to lapse.
  return { token, staleAt: at + lifetimeMs - Math.min(30_000, lifetimeMs / 10) };
}
