import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The keys one consumer's tokens may be signed with. */
export interface JwtKeys {
  /** HS256 shared secret. */
  readonly hmacSecret?: Buffer;
  /** RS256 public keys; a token's `kid` selects one when present. */
  readonly rsaKeys: ReadonlyArray<{ readonly kid?: string; readonly key: KeyObject }>;
}

/** What a verified token must satisfy besides its signature. */
export interface JwtPolicy {
  readonly algorithms: readonly string[];
  readonly audience?: string;
  readonly clockSkewSeconds: number;
}

/** A token split into parts, header and claims parsed, signature not yet checked. */
export interface DecodedJwt {
  readonly header: { alg?: string; kid?: string; typ?: string };
  readonly claims: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Splits and parses a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: token.slice(0, second), signature: Buffer.from(token.slice(second + 1), 'base64url') };
  } catch {
    return undefined;
  }
}

/** What a token is checked against: the keys it must be signed with and the policy on its claims (built per snapshot). */
export interface JwtIssuer {
  keys: JwtKeys;
  policy: JwtPolicy;
}

/**
 * Checks signature, `alg` (only from the policy's list: never `none`, never a downgrade from RS256 to
 * HS256 with the public key as the secret), `exp`, `nbf` and `aud` (RFC 7519 §4.1). Returns why it failed.
 */
export function verifyJwt(jwt: DecodedJwt, issuer: JwtIssuer, nowSeconds: number): string | undefined {
  const { keys, policy } = issuer;
  const alg = jwt.header.alg;
  if (!alg || !policy.algorithms.includes(alg)) return `algorithm ${alg ?? 'none'} is not accepted`;
  if (!signatureValid(jwt, alg, keys)) return 'signature does not verify';
  const { exp, nbf, aud } = jwt.claims;
  const skew = policy.clockSkewSeconds;
  if (exp !== undefined && (typeof exp !== 'number' || nowSeconds > exp + skew)) return 'token has expired';
  if (nbf !== undefined && (typeof nbf !== 'number' || nowSeconds + skew < nbf)) return 'token is not valid yet';
  if (policy.audience !== undefined) {
    const list = Array.isArray(aud) ? aud : [aud];
    if (!list.includes(policy.audience)) return 'audience does not match';
  }
  return undefined;
}

function signatureValid(jwt: DecodedJwt, alg: string, keys: JwtKeys): boolean {
  if (alg === 'HS256') {
    if (!keys.hmacSecret) return false;
    const expected = createHmac('sha256', keys.hmacSecret).update(jwt.signingInput).digest();
    return expected.length === jwt.signature.length && timingSafeEqual(expected, jwt.signature);
  }
  if (alg === 'RS256') {
    const kid = jwt.header.kid;
    for (const k of keys.rsaKeys) {
      if (kid !== undefined && k.kid !== undefined && k.kid !== kid) continue;
      if (verify('RSA-SHA256', Buffer.from(jwt.signingInput), k.key, jwt.signature)) return true;
    }
  }
  return false;
}

/** Loads RS256 keys from a PEM and/or a JWKS file (read once per snapshot, never per request). */
export function loadRsaKeys(publicKey: string | undefined, jwksFile: string | undefined): Array<{ kid?: string; key: KeyObject }> {
  const out: Array<{ kid?: string; key: KeyObject }> = [];
  if (publicKey) out.push({ key: createPublicKey(publicKey) });
  if (jwksFile) {
    const jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys?: Array<Record<string, unknown>> };
    for (const jwk of jwks.keys ?? []) {
      if (jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      out.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, key: createPublicKey({ key: jwk as never, format: 'jwk' }) });
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
