import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const KEY_LENGTH = 32;

/** `scrypt$N$salt$hash` (base64url parts): how basic-auth passwords are stored; never the password itself. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_LENGTH, { N });
  return `scrypt$${N}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `password` matches a stored `scrypt$…` hash (constant-time comparison). */
export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') return false;
  const cost = Number(parts[1]);
  if (!Number.isInteger(cost) || cost < 2 || cost > 1 << 20) return false;
  const expected = Buffer.from(parts[3]!, 'base64url');
  const actual = scryptSync(password, Buffer.from(parts[2]!, 'base64url'), expected.length, { N: cost, maxmem: 256 * cost * 8 });
  return timingSafeEqual(actual, expected);
}
