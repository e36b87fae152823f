// Sprig encoding, hashing and random functions
// (masterminds.github.io/sprig/encoding.html, crypto.html, uuid.html).
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { checkSize, def, str, toInt64, type FuncTable } from '../funcs.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function base32Decode(s: string): string {
  const clean = s.replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (let i = 0; i < clean.length; i++) {
    const idx = B32.indexOf(clean.charAt(i));
    if (idx < 0) return `illegal base32 data at input byte ${i}`;
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString('utf8');
}

/** Go's base64.StdEncoding.DecodeString; on failure Sprig returns the error text. */
function b64dec(s: string): string {
  const m = /^[A-Za-z0-9+/]*={0,2}$/.exec(s);
  if (!m || s.length % 4 !== 0) {
    const bad = s.search(/[^A-Za-z0-9+/=]/);
    return `illegal base64 data at input byte ${bad >= 0 ? bad : Math.max(s.length - (s.length % 4 || 4), 0)}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

const hash = (algo: string) => (s: unknown): string => createHash(algo).update(str(s), 'utf8').digest('hex');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ALPHA = ALNUM.slice(0, 52);
const DIGITS = '0123456789';
const ASCII = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join('');

function randFrom(chars: string) {
  return (n: unknown): string => {
    const count = checkSize(Math.max(toInt64(n), 0), 'rand');
    let out = '';
    for (let i = 0; i < count; i++) out += chars[randomInt(chars.length)];
    return out;
  };
}

/** Sprig's encoding, hashing, uuid and random-string functions. */
export const ENCODING_FUNCS: FuncTable = {
  b64enc: def(1, 1, (s) => Buffer.from(str(s), 'utf8').toString('base64')),
  b64dec: def(1, 1, (s) => b64dec(str(s))),
  b32enc: def(1, 1, (s) => base32Encode(Buffer.from(str(s), 'utf8'))),
  b32dec: def(1, 1, (s) => base32Decode(str(s))),
  sha1sum: def(1, 1, hash('sha1')),
  sha256sum: def(1, 1, hash('sha256')),
  sha512sum: def(1, 1, hash('sha512')),
  adler32sum: def(1, 1, (s) => String(adler32(str(s)))),
  uuidv4: def(0, 0, () => randomUUID()),
  randAlphaNum: def(1, 1, randFrom(ALNUM)),
  randAlpha: def(1, 1, randFrom(ALPHA)),
  randNumeric: def(1, 1, randFrom(DIGITS)),
  randAscii: def(1, 1, randFrom(ASCII)),
};
