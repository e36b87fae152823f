import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The admin token and whether it was just generated (and so must be shown once). */
export interface AdminToken {
  token: string;
  generated: boolean;
  /** Where it is kept, when it came from a file. */
  file?: string;
}

/** `AGATE_ADMIN_TOKEN` if set; else the 0600 file beside the database, generated on first start. */
export function loadAdminToken(dbPath: string, env: NodeJS.ProcessEnv = process.env): AdminToken {
  if (env.AGATE_ADMIN_TOKEN) return { token: env.AGATE_ADMIN_TOKEN, generated: false };
  const file = join(dbPath === ':memory:' ? '.' : dirname(dbPath), 'admin.token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false, file };
  const token = 'agt_' + randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true, file };
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
