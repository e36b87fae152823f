// An upstream's JSON body as template data, kept as gjson keeps it. gjson_template evaluates paths
// on the raw bytes and prints what it finds as sent, so the values built here remember their text:
// containers their source slice and key order (values.ts), numbers whose text JS would not print
// back (`1.50`, `1e3`, integers beyond 2^53) a JsonText. lossless-json was evaluated and not used:
// it keeps number text but neither spacing nor the order of integer-like keys.
//
// Like gjson, the reader is lenient about trailing commas (`{"a":1,}`) and stops after the first
// value; unlike gjson it refuses other malformed input with the offset instead of guessing. It is
// iterative, so nesting depth costs heap, not stack.
import { formatJsonNumber } from './go-format.js';
import { JsonText, keepOrder, orderedKeys, rememberSource } from './values.js';

/** The body as template data, or why it cannot be (the message Higress gives for a non-container). */
export type JsonDataResult = { ok: true; value: unknown } | { ok: false; error: string };

/** gjson_template's refusal of anything but an object or array (exec.go, Template.execute). */
export const NOT_A_CONTAINER = 'data must be a valid JSON object or array';

type Container = unknown[] | Record<string, unknown>;

interface Frame {
  readonly c: Container;
  readonly start: number;
  readonly keys?: string[];
  key?: string;
}

class Malformed extends Error {}

function ws(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

function fail(s: string, i: number): never {
  const what = i >= s.length ? 'unexpected end of data' : `unexpected ${JSON.stringify(s.charAt(i))}`;
  throw new Malformed(`data is not valid JSON: ${what} at character ${i}`);
}

/** Reads the string starting at `s[i] === '"'`; returns its value and the index after it. */
function readString(s: string, i: number): [string, number] {
  let escaped = false;
  let j = i + 1;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) break;
    if (c === 92) {
      escaped = true;
      j++;
    }
  }
  if (j >= s.length) fail(s, s.length);
  if (!escaped) return [s.slice(i + 1, j), j + 1];
  // gjson lets raw control characters through; JSON.parse does not, so escape them first.
  const raw = s.slice(i, j + 1).replace(/[\u0000-\u001f]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  try {
    return [JSON.parse(raw) as string, j + 1];
  } catch {
    return fail(s, i);
  }
}

function readNumber(s: string, i: number): [unknown, number] {
  let j = i;
  while (j < s.length && /[-+.eE0-9]/.test(s.charAt(j))) j++;
  const raw = s.slice(i, j);
  const n = Number(raw);
  if (raw === '' || Number.isNaN(n)) fail(s, i);
  return [formatJsonNumber(n) === raw ? n : new JsonText(raw, n), j];
}

const WORDS: readonly (readonly [string, unknown])[] = [['true', true], ['false', false], ['null', null]];

function readScalar(s: string, i: number): [unknown, number] {
  const c = s.charAt(i);
  if (c === '"') return readString(s, i);
  if (c === '-' || (c >= '0' && c <= '9')) return readNumber(s, i);
  for (const [word, value] of WORDS) if (s.startsWith(word, i)) return [value, i + word.length];
  return fail(s, i);
}

/** The reader's state: the open containers and the finished root. */
class Reader {
  private readonly stack: Frame[] = [];
  root: unknown = undefined;
  done = false;

  constructor(private readonly s: string) {}

  top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  open(i: number): void {
    const isArray = this.s.charCodeAt(i) === 91;
    const c: Container = isArray ? [] : (Object.create(null) as Record<string, unknown>);
    this.stack.push(isArray ? { c, start: i } : { c, start: i, keys: [] });
  }

  close(i: number): void {
    const f = this.stack.pop()!; // callers check that a frame is open
    rememberSource(f.c, this.s.slice(f.start, i + 1), f.keys);
    this.attach(f.c);
  }

  attach(v: unknown): void {
    const f = this.top();
    if (f === undefined) {
      this.root = v;
      this.done = true;
    } else if (Array.isArray(f.c)) f.c.push(v);
    else {
      const key = f.key!; // set before an object's member value is read
      // gjson answers a path with the first of duplicate keys.
      if (!Object.hasOwn(f.c, key)) {
        f.c[key] = v;
        f.keys!.push(key);
      }
      f.key = undefined;
    }
  }
}

/**
 * Reads where a value (or, in an object, a key and its value) is expected. Returns the next index
 * and whether a value is still expected (a container was opened).
 */
function readValue(r: Reader, s: string, i: number): [number, boolean] {
  const f = r.top();
  if (f !== undefined && !Array.isArray(f.c) && f.key === undefined) {
    if (s.charCodeAt(i) === 125) {
      r.close(i);
      return [i + 1, false];
    }
    if (s.charCodeAt(i) !== 34) fail(s, i);
    const [key, next] = readString(s, i);
    const colon = ws(s, next);
    if (s.charCodeAt(colon) !== 58) fail(s, colon);
    f.key = key;
    i = ws(s, colon + 1);
  }
  const c = s.charCodeAt(i);
  if (c === 123 || c === 91) {
    r.open(i);
    return [i + 1, true];
  }
  if (c === 93 && f !== undefined && Array.isArray(f.c)) {
    r.close(i);
    return [i + 1, false];
  }
  const [v, next] = readScalar(s, i);
  r.attach(v);
  return [next, false];
}

/** Reads what follows a value: `,` or the closer of the open container. Returns [next index, value expected]. */
function afterValue(r: Reader, s: string, i: number): [number, boolean] {
  const f = r.top()!; // only called while a container is open
  const c = s.charCodeAt(i);
  if (c === 44) return [i + 1, true];
  if ((c === 125 && !Array.isArray(f.c)) || (c === 93 && Array.isArray(f.c))) {
    r.close(i);
    return [i + 1, false];
  }
  return fail(s, i);
}

/** A copy of a map with one more member at the end, keeping the source order of the others. */
export function withMember(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const keys = orderedKeys(obj).filter((k) => k !== key);
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) out[k] = obj[k];
  out[key] = value;
  return keepOrder(out, [...keys, key]);
}

/** Reads an upstream body as template data; only an object or an array is data, as in gjson_template. */
export function parseJsonData(s: string): JsonDataResult {
  let i = ws(s, 0);
  const first = s.charCodeAt(i);
  if (first !== 123 && first !== 91) return { ok: false, error: NOT_A_CONTAINER };
  const r = new Reader(s);
  let expectValue = true;
  try {
    while (!r.done) {
      i = ws(s, i);
      [i, expectValue] = expectValue ? readValue(r, s, i) : afterValue(r, s, i);
    }
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.message };
    throw e;
  }
  return { ok: true, value: r.root };
}
