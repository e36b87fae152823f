// An upstream's JSON body as template data, kept as gjson keeps it. gjson_template evaluates paths
// on the raw bytes and prints what it finds as sent, so the values built here remember their text:
// containers their source slice and key order (values.ts), numbers whose text JS would not print
// back (`1.50`, `1e3`, integers beyond 2^53) a JsonText. lossless-json was evaluated and not used:
// it keeps number text but neither spacing nor the order of integer-like keys.
//
// Cost: the body is parsed by JSON.parse (native, what agate did before), and a container's members
// are matched with their source text only when a template first looks inside it (withMembers), one
// level at a time, so the extra work is proportional to what the template touches. A body JSON.parse
// refuses goes to a lenient reader instead: like gjson it skips trailing commas (`{"a":1,}`) and
// stops after the first value; unlike gjson it refuses other malformed input with the offset
// instead of guessing. Both are iterative, so nesting depth costs heap, not stack.
import { formatJsonNumber } from './go-format.js';
import { JsonText, keepOrder, orderedKeys, rememberSource, setMemberReader, sourceText } from './values.js';

/** The body as template data, or why it cannot be (the message Higress gives for a non-container). */
export type JsonDataResult = { ok: true; value: unknown } | { ok: false; error: string };

/** gjson_template's refusal of anything but an object or array (exec.go, Template.execute). */
export const NOT_A_CONTAINER = 'data must be a valid JSON object or array';

interface Frame {
  readonly c: unknown[] | Record<string, unknown>;
  readonly isArray: boolean;
  readonly start: number;
  /**
   * The keys in source order, kept only once a key is an array index (JS objects move those to
   * the front); until then Object.keys is the source order.
   */
  keys: string[] | undefined;
  key: string;
}

class Malformed extends Error {}

const WORDS: readonly (readonly [string, unknown])[] = [['true', true], ['false', false], ['null', null]];

/** An array index as JS objects order them (canonical, below 2^32 - 1). */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/**
 * One pass over the text with an explicit stack. Hot path written for V8: plain objects (one
 * hidden class per shape), char codes, indexOf jumps over strings, no tuple allocations.
 */
class Reader {
  private readonly stack: Frame[] = [];
  private i = 0;
  /** Index of the next backslash at or after the current string, or Infinity when none is left. */
  private backslash = -1;
  private root: unknown = undefined;

  constructor(private readonly s: string) {}

  read(first: number): unknown {
    const s = this.s;
    this.i = first;
    this.open();
    for (;;) {
      const f = this.stack[this.stack.length - 1]!; // a container is open until the root closes
      this.skipWs();
      let c = s.charCodeAt(this.i);
      if (c === (f.isArray ? 93 : 125)) {
        // empty container, or a trailing comma (gjson skips it)
        if (this.close() || this.afterValue()) return this.root;
        continue;
      }
      if (!f.isArray) {
        if (c !== 34) this.fail();
        f.key = this.readString();
        this.skipWs();
        if (s.charCodeAt(this.i) !== 58) this.fail();
        this.i++;
        this.skipWs();
        c = s.charCodeAt(this.i);
      }
      if (c === 123 || c === 91) {
        this.open();
        continue;
      }
      this.attach(f, this.readScalar(c));
      if (this.afterValue()) return this.root;
    }
  }

  private skipWs(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.i);
  }

  fail(): never {
    const { s, i } = this;
    const what = i >= s.length ? 'unexpected end of data' : `unexpected ${JSON.stringify(s.charAt(i))}`;
    throw new Malformed(`data is not valid JSON: ${what} at character ${i}`);
  }

  private open(): void {
    const isArray = this.s.charCodeAt(this.i) === 91;
    this.stack.push({ c: isArray ? [] : {}, isArray, start: this.i, keys: undefined, key: '' });
    this.i++;
  }

  /** Closes the innermost container at its closer and hands it to its parent; true when it was the root. */
  private close(): boolean {
    const f = this.stack.pop()!; // called only while a container is open
    this.i++;
    rememberSource(f.c, this.s.slice(f.start, this.i), f.keys === undefined ? undefined : { keys: f.keys });
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.root = f.c;
      return true;
    }
    this.attach(parent, f.c);
    return false;
  }

  /** After a value: `,` continues the container, its closer closes it. True when the root closed. */
  private afterValue(): boolean {
    for (;;) {
      this.skipWs();
      const c = this.s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        return false;
      }
      const f = this.stack[this.stack.length - 1]!; // the value belongs to an open container
      if (c !== (f.isArray ? 93 : 125)) return this.fail();
      if (this.close()) return true;
    }
  }

  private attach(f: Frame, v: unknown): void {
    if (f.isArray) {
      (f.c as unknown[]).push(v);
      return;
    }
    const obj = f.c as Record<string, unknown>;
    const key = f.key;
    // gjson answers a path with the first of duplicate keys.
    if (Object.hasOwn(obj, key)) return;
    if (f.keys !== undefined) f.keys.push(key);
    else if (key.charCodeAt(0) <= 57 && INDEX_KEY.test(key)) f.keys = [...Object.keys(obj), key];
    if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    else obj[key] = v;
  }

  private readScalar(c: number): unknown {
    if (c === 34) return this.readString();
    if (c === 45 || (c >= 48 && c <= 57)) return this.readNumber();
    for (const [word, value] of WORDS) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail();
  }

  private readString(): string {
    const s = this.s;
    const start = this.i + 1;
    const quote = s.indexOf('"', start);
    if (quote < 0) {
      this.i = s.length;
      this.fail();
    }
    if (this.backslash < start) {
      const b = s.indexOf('\\', start);
      this.backslash = b < 0 ? Infinity : b;
    }
    if (this.backslash > quote) {
      this.i = quote + 1;
      return s.slice(start, quote);
    }
    let j = start;
    for (let c = s.charCodeAt(j); c !== 34; c = s.charCodeAt(j)) {
      if (j >= s.length) {
        this.i = j;
        this.fail();
      }
      j += c === 92 ? 2 : 1;
    }
    // gjson lets raw control characters through; JSON.parse does not, so escape them first.
    const raw = s.slice(start - 1, j + 1).replace(/[\u0000-\u001f]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
    try {
      const value = JSON.parse(raw) as string;
      this.i = j + 1;
      return value;
    } catch {
      return this.fail();
    }
  }

  private readNumber(): unknown {
    const s = this.s;
    const start = this.i;
    let j = start;
    let plain = true; // digits only (a leading '-' allowed)
    for (let c = s.charCodeAt(j); ; c = s.charCodeAt(++j)) {
      if (c >= 48 && c <= 57) continue;
      if (c === 45 && j === start) continue;
      if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) plain = false;
      else break;
    }
    const raw = s.slice(start, j);
    const n = Number(raw);
    if (Number.isNaN(n) || raw === '-') this.fail();
    this.i = j;
    // Short integers print back as sent (unless written with leading zeros or as -0).
    if (plain && raw.length <= 15 && (raw.charCodeAt(raw[0] === '-' ? 1 : 0) !== 48 || raw.length === 1)) return n;
    return formatJsonNumber(n) === raw ? n : new JsonText(raw, n);
  }
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
  const i = ws(s, 0);
  const first = s.charCodeAt(i);
  if (first !== 123 && first !== 91) return { ok: false, error: NOT_A_CONTAINER };
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    value = undefined;
  }
  if (typeof value === 'object' && value !== null) {
    let end = s.length;
    while (end > i && ws(s, end - 1) === end) end--;
    rememberSource(value, s.slice(i, end), PENDING);
    return { ok: true, value };
  }
  try {
    return { ok: true, value: new Reader(s).read(i) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.message };
    throw e;
  }
}

function ws(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++i);
  return i;
}

/** Index just past the string starting at `raw[i] === '"'`. */
function skipString(raw: string, i: number): number {
  let q = raw.indexOf('"', i + 1);
  for (;;) {
    if (q < 0) return raw.length;
    let b = q - 1;
    while (raw.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1; // an even run of backslashes does not escape the quote
    q = raw.indexOf('"', q + 1);
  }
}

/** Index just past the value starting at `raw[i]` (well-formed: JSON.parse accepted the body). */
function skipValue(raw: string, i: number): number {
  const c = raw.charCodeAt(i);
  if (c === 34) return skipString(raw, i);
  if (c !== 123 && c !== 91) {
    let j = i + 1;
    for (let d = raw.charCodeAt(j); j < raw.length && d !== 44 && d !== 93 && d !== 125 && d !== 32 && d !== 10 && d !== 13 && d !== 9; d = raw.charCodeAt(++j));
    return j;
  }
  // The regex engine jumps over everything but quotes and brackets; test() allocates nothing.
  const special = /["[\]{}]/g;
  special.lastIndex = i;
  let depth = 0;
  while (special.test(raw)) {
    const j = special.lastIndex - 1;
    const d = raw.charCodeAt(j);
    if (d === 34) special.lastIndex = skipString(raw, j);
    else if (d === 123 || d === 91) depth++;
    else if (--depth === 0) return j + 1;
  }
  return raw.length;
}

const PENDING = { pending: true } as const;

/** Where a member's value lies in its container's text (one reused per read: no allocation per member). */
interface Span {
  start: number;
  end: number;
}

/** A member's value given its source span: containers learn their text, odd numbers keep theirs. */
function withText(v: unknown, raw: string, span: Span): unknown {
  const { start, end } = span;
  const c = raw.charCodeAt(start);
  if (c === 123 || c === 91) {
    if (typeof v === 'object' && v !== null && sourceText(v) === undefined) rememberSource(v, raw.slice(start, end), PENDING);
    return v;
  }
  if (c !== 45 && (c < 48 || c > 57)) return v;
  // Short integers without a leading zero print back as sent; only the rest are compared.
  const lead = c === 45 ? start + 1 : start;
  let plain = end - start <= 15 && (raw.charCodeAt(lead) !== 48 || end - lead === 1);
  for (let j = lead; plain && j < end; j++) plain = raw.charCodeAt(j) >= 48 && raw.charCodeAt(j) <= 57;
  if (plain && !(c === 45 && raw.charCodeAt(lead) === 48)) return v;
  const text = raw.slice(start, end);
  return typeof v === 'number' && formatJsonNumber(v) !== text ? new JsonText(text, v) : v;
}

function readElements(arr: unknown[], raw: string): void {
  let idx = 0;
  const span: Span = { start: 0, end: 0 };
  for (let i = ws(raw, 1); i < raw.length && raw.charCodeAt(i) !== 93; i = ws(raw, i)) {
    if (raw.charCodeAt(i) === 44) {
      i++;
      continue;
    }
    span.start = i;
    span.end = skipValue(raw, i);
    arr[idx] = withText(arr[idx], raw, span);
    idx++;
    i = span.end;
  }
}

/** Calls `visit(key, span)` for each member of the object text `raw`, in source order (`span` is reused). */
function eachMember(raw: string, visit: (key: string, span: Span) => void): void {
  const span: Span = { start: 0, end: 0 };
  for (let i = ws(raw, 1); i < raw.length && raw.charCodeAt(i) !== 125; i = ws(raw, i)) {
    if (raw.charCodeAt(i) === 44) {
      i++;
      continue;
    }
    const keyEnd = skipString(raw, i);
    const text = raw.slice(i, keyEnd);
    const key = text.includes('\\') ? (JSON.parse(text) as string) : text.slice(1, -1);
    span.start = ws(raw, ws(raw, keyEnd) + 1);
    span.end = skipValue(raw, span.start);
    visit(key, span);
    i = span.end;
  }
}

/** Sets an own data property, `__proto__` included (plain assignment would change the prototype). */
function setMember(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

function readMembers(obj: Record<string, unknown>, raw: string): void {
  const keys: string[] = [];
  let indexKeys = false;
  eachMember(raw, (key, span) => {
    keys.push(key);
    if (!indexKeys && key.charCodeAt(0) <= 57 && INDEX_KEY.test(key)) indexKeys = true;
    setMember(obj, key, withText(obj[key], raw, span));
  });
  if (keys.length === Object.keys(obj).length) {
    if (indexKeys) keepOrder(obj, keys);
    return;
  }
  // Duplicate keys: JSON.parse kept the last value, gjson answers with the first.
  const seen = new Set<string>();
  eachMember(raw, (key, span) => {
    if (seen.has(key)) return;
    seen.add(key);
    setMember(obj, key, withText(JSON.parse(raw.slice(span.start, span.end)) as unknown, raw, span));
  });
  keepOrder(obj, [...seen]);
}

setMemberReader((container, raw) => {
  if (Array.isArray(container)) readElements(container, raw);
  else readMembers(container as Record<string, unknown>, raw);
});
