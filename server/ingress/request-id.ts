import { randomBytes } from 'node:crypto';

// A random per-process prefix shaped like a UUID, then a counter in the last group: unique across processes
// (74 random bits) and within one (2^48 ids), at a string concatenation per request instead of a randomUUID.
const prefix = (() => {
  const h = randomBytes(10).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-`;
})();
let counter = 0;

/** A request id: 36 characters of hex and dashes (UUID v4 layout), cheap enough for every request. */
export function nextRequestId(): string {
  counter = (counter + 1) % 0x1000000000000;
  const n = counter.toString(16);
  return prefix + '000000000000'.slice(n.length) + n;
}
