// The lenient reader for bodies JSON.parse refuses (json-data.ts tries JSON.parse first). Like
// gjson it skips trailing commas (`{"a":1,}`) and stops after the first value; unlike gjson it
// refuses other malformed input with the offset instead of guessing. It reads everything at once,
// iteratively (nesting depth costs heap, not stack), and records each container's source text and,
// where JS would reorder them, its key order.
import { formatJsonNumber } from './go-format.js';
import { JsonText, rememberSource } from './values.js';

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

/** Why a body is not JSON; the message names the offset. */
export class Malformed extends Error {}

const WORDS: readonly (readonly [string, unknown])[] = [['true', true], ['false', false], ['null', null]];

/** An array index as JS objects order them (canonical, below 2^32 - 1). */
export const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/**
 * One pass over the text with an explicit stack. Hot path written for V8: plain objects (one
 * hidden class per shape), char codes, indexOf jumps over strings, no tuple allocations.
 */
export class LenientReader {
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
