import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The admin token and whether it was just generated (and so must be shown once). */
export interface AdminToken {
  token: string;
  generated: boolean;
  /** Where it is kept, when it came from a file. */
  file?: string;
  /** Problems worth a log line at start (a token file others can read). */
  warnings: string[];
}

/** The configured admin token is unusable; the message names its source and the rule. */
export class AdminTokenError extends Error {
  override name = 'AdminTokenError';
}

const MIN_LENGTH = 16;
const MIN_BITS = 64;

/**
 * Why `token` is too weak to guard the admin API, or undefined. Entropy is estimated from the token's own
 * character frequencies (Shannon): it catches repeats and words padded to length, not every guessable string,
 * so generated tokens (`agt_` + 192 random bits) remain the recommendation.
 */
export function tokenWeakness(token: string): string | undefined {
  const rule = `use at least ${MIN_LENGTH} characters and about ${MIN_BITS} bits of randomness, e.g. \`openssl rand -hex 24\``;
  if (token.length < MIN_LENGTH) return `${token.length} characters; ${rule}`;
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / token.length) * Math.log2(n / token.length);
  const bits = Math.floor(perChar * token.length);
  return bits < MIN_BITS ? `about ${bits} bits of entropy; ${rule}` : undefined;
}

/**
 * `AGATE_ADMIN_TOKEN` if set; else the 0600 file beside the database, generated on first start. A weak token
 * from either source is refused (AdminTokenError); a token file group or others can read is warned about.
 */
export function loadAdminToken(dbPath: string, env: NodeJS.ProcessEnv = process.env): AdminToken {
  if (env.AGATE_ADMIN_TOKEN) return { token: checked(env.AGATE_ADMIN_TOKEN, 'AGATE_ADMIN_TOKEN'), generated: false, warnings: [] };
  const file = join(dbPath === ':memory:' ? '.' : dirname(dbPath), 'admin.token');
  if (existsSync(file)) {
    const token = checked(readFileSync(file, 'utf8').trim(), file);
    const mode = statSync(file).mode & 0o777;
    const warnings = mode & 0o077 ? [`${file} is readable by group or others (mode 0${mode.toString(8)}); run chmod 600 on it`] : [];
    return { token, generated: false, file, warnings };
  }
  const token = 'agt_' + randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true, file, warnings: [] };
}

function checked(token: string, source: string): string {
  const weakness = tokenWeakness(token);
  if (weakness) throw new AdminTokenError(`${source} is too weak: ${weakness}`);
  return token;
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
