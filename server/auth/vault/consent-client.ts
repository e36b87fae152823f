import { createHash, randomBytes } from 'node:crypto';
import { askAuthServer, clientSecretBasic, issuerMetadata, type AuthServerAnswer } from '../auth-server-http.js';

/** An upstream's authorization server for the per-user vault (`upstreamAuth.type: authorization_code`), secret decrypted. */
export interface ConsentEndpoint {
  readonly type: 'authorization_code';
  /** The issuer: its metadata gives the endpoints not set, and a callback's `iss` (RFC 9207) must equal it. */
  readonly issuer?: string;
  readonly authorizationUrl?: string;
  readonly tokenUrl?: string;
  readonly clientId: string;
  /** Absent: a public client (PKCE alone, RFC 7636); else `client_secret_basic`. */
  readonly clientSecret?: string;
  readonly scope?: string;
  /** RFC 8707 resource indicator, sent on the authorization and token requests. */
  readonly resource?: string;
}

/** The endpoints the flow uses, known once the issuer's metadata was read (when needed). */
export interface ResolvedEndpoints {
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** RFC 9207 `authorization_response_iss_parameter_supported`: the callback must then carry `iss`. */
  readonly issRequired: boolean;
}

/** What the token endpoint granted. */
export interface Granted {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly scope?: string;
  /** Epoch ms, when the server said (`expires_in`). */
  readonly expiresAt?: number;
}

/** The token endpoint refused or could not be reached; `invalidGrant`: the code or refresh token is no good (RFC 6749 §5.2). */
export class ConsentTokenError extends Error {
  override name = 'ConsentTokenError';
  constructor(
    message: string,
    readonly invalidGrant = false,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 10_000;

/** RFC 7636 §4.1-4.2: a verifier (43 chars of base64url) and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The endpoints of `endpoint`: as configured, else from the issuer's metadata (RFC 8414, then OpenID Discovery),
 * which must name exactly the configured issuer.
 */
export async function resolveEndpoints(endpoint: ConsentEndpoint): Promise<ResolvedEndpoints> {
  if (!endpoint.issuer) return { authorizationUrl: endpoint.authorizationUrl!, tokenUrl: endpoint.tokenUrl!, issRequired: false };
  const meta = await issuerMetadata(endpoint.issuer, TIMEOUT_MS).catch((err: Error) => {
    throw new ConsentTokenError(err.message);
  });
  const authorizationUrl = endpoint.authorizationUrl ?? str(meta.authorization_endpoint);
  const tokenUrl = endpoint.tokenUrl ?? str(meta.token_endpoint);
  if (!authorizationUrl || !tokenUrl) throw new ConsentTokenError(`issuer ${endpoint.issuer}: its metadata names no authorization_endpoint or token_endpoint`);
  return { authorizationUrl, tokenUrl, issRequired: meta.authorization_response_iss_parameter_supported === true };
}

/** The authorization request (RFC 6749 §4.1.1) with PKCE S256, `state` and the resource indicator. */
export function authorizationRequest(endpoint: ConsentEndpoint, at: { authorizationUrl: string; redirectUri: string; state: string; challenge: string }): string {
  const url = new URL(at.authorizationUrl);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', endpoint.clientId);
  q.set('redirect_uri', at.redirectUri);
  q.set('state', at.state);
  q.set('code_challenge', at.challenge);
  q.set('code_challenge_method', 'S256');
  if (endpoint.scope) q.set('scope', endpoint.scope);
  if (endpoint.resource) q.set('resource', endpoint.resource);
  return url.href;
}

/** Redeems a code (RFC 6749 §4.1.3 with the PKCE verifier) or a refresh token (§6) at the token endpoint. */
export async function redeem(endpoint: ConsentEndpoint, tokenUrl: string, grant: Record<string, string>): Promise<Granted> {
  const form = new URLSearchParams(grant);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (endpoint.clientSecret !== undefined) headers.authorization = clientSecretBasic(endpoint.clientId, endpoint.clientSecret);
  else form.set('client_id', endpoint.clientId);
  if (endpoint.resource) form.set('resource', endpoint.resource);
  let answer: AuthServerAnswer;
  try {
    answer = await askAuthServer(tokenUrl, { method: 'POST', headers, form, redirect: 'manual', timeoutMs: TIMEOUT_MS });
  } catch (err) {
    throw new ConsentTokenError(`token endpoint ${tokenUrl} unreachable: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`);
  }
  const body = answer.json;
  if (!answer.ok) {
    const error = typeof body?.error === 'string' ? body.error : 'no OAuth error';
    throw new ConsentTokenError(`token endpoint ${tokenUrl} answered HTTP ${answer.status}: ${error.slice(0, 100)}`, error === 'invalid_grant');
  }
  const accessToken = str(body?.access_token);
  if (!accessToken) throw new ConsentTokenError(`token endpoint ${tokenUrl} answered without an access_token`);
  if (str(body!.token_type)?.toLowerCase() !== 'bearer') throw new ConsentTokenError(`token endpoint ${tokenUrl} answered a token_type other than Bearer`);
  const expiresIn = typeof body!.expires_in === 'number' && body!.expires_in > 0 ? body!.expires_in : undefined;
  return { accessToken, refreshToken: str(body!.refresh_token), scope: str(body!.scope) ?? endpoint.scope, expiresAt: expiresIn && Date.now() + expiresIn * 1000 };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
