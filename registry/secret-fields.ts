import type { SecretBox } from './secret-box.js';

/** What every interface shows instead of a secret value (CLI output, admin API, `mcp show`). */
export const MASK = '********';

/** Marks a value sealed in place inside a spec: `sealed:v1:` + base64url(nonce ‖ tag ‖ ciphertext). */
const SEALED_PREFIX = 'sealed:v1:';

/*
 * Names known to carry no credential. The rule is an allowlist, not a guess at what looks secret: a name
 * a heuristic misses (`x-goog-api`, `X-Auth`, `DD_SITE_TOKENISH`) must not end up in plain text, so every
 * other header or environment value is encrypted at rest and masked when shown. Compared lower-cased with
 * `_` read as `-`, so one list serves headers and environment variables.
 */
const PLAIN_NAMES = new Set([
  'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'cache-control', 'content-language',
  'content-type', 'dnt', 'forwarded', 'host', 'origin', 'pragma', 'referer', 'user-agent', 'via',
  'x-request-id', 'x-correlation-id', 'x-real-ip', 'traceparent', 'tracestate',
  // Environment variables every process inherits or reads for locale, paths and logging.
  'path', 'home', 'user', 'shell', 'term', 'tz', 'lang', 'tmpdir', 'pwd', 'node-env', 'node-options',
  'debug', 'log-level', 'port', 'pythonpath', 'pythonunbuffered', 'no-color', 'force-color',
]);
const PLAIN_PREFIXES = ['x-forwarded-', 'lc-', 'accept-'];

/** Whether `name` (a header or environment variable) is known not to hold a secret, so it may stay plain. */
export function isPlainName(name: string): boolean {
  const n = name.toLowerCase().replace(/_/g, '-');
  return PLAIN_NAMES.has(n) || PLAIN_PREFIXES.some((p) => n.startsWith(p));
}

/** Whether a stored value is sealed in place. */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** Seals `value` bound to `where` (entity, name and field), so a sealed value cannot be moved to another field. */
export function sealValue(box: SecretBox, where: string, value: string): string {
  const s = box.seal(where, value);
  return SEALED_PREFIX + Buffer.concat([s.nonce, s.tag, s.ciphertext]).toString('base64url');
}

/** Opens a value sealed by {@link sealValue}; throws naming `where` when the key or the binding differs. */
export function openValue(box: SecretBox, where: string, sealed: string): string {
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  try {
    if (raw.length < 28) throw new Error('too short');
    return box.open(where, { nonce: raw.subarray(0, 12), tag: raw.subarray(12, 28), ciphertext: raw.subarray(28) });
  } catch {
    throw new Error(`${where}: the sealed value cannot be decrypted (the secret key differs from the one that sealed it, or the value was copied from another field)`);
  }
}

/** The schemas cap a header value at 4096 characters; a sealed value is about 4/3 of its plaintext plus 48. */
export const HEADER_MAX_SEALED = 4096;

/**
 * Seals `value` for `where` (a value already sealed is only checked to open there); problems name `field`.
 * `max` caps the sealed length where the schema caps the field's.
 */
export function sealField(o: { box: () => SecretBox; where: string; value: string; field: string; max?: number }, problems: string[]): string {
  if (isSealed(o.value)) {
    try {
      openValue(o.box(), o.where, o.value);
    } catch (err) {
      problems.push(`${o.field}: ${(err as Error).message}`);
    }
    return o.value;
  }
  const sealed = sealValue(o.box(), o.where, o.value);
  if (o.max !== undefined && sealed.length > o.max) problems.push(`${o.field}: is too long to store encrypted (at most ${Math.floor(((o.max - 48) * 3) / 4)} characters)`);
  return sealed;
}

/**
 * `previous` when it is the sealed form of the plaintext `value`: a value written again unchanged keeps its
 * ciphertext, so re-applying a file leaves the row alone (a fresh IV would make every apply a change).
 */
export function sameSealed(o: { box: () => SecretBox; where: string; value: string; previous: string | undefined }): string | undefined {
  if (o.previous === undefined || !isSealed(o.previous) || isSealed(o.value)) return undefined;
  try {
    return openValue(o.box(), o.where, o.previous) === o.value ? o.previous : undefined;
  } catch {
    return undefined;
  }
}

