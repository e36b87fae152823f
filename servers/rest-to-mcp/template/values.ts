// The runtime value model. Template data is plain JSON (objects, arrays, strings,
// numbers, booleans, null); `undefined` means "missing" (a path that resolved to
// nothing, which gjson_template renders as ""). Numbers follow gjson_template's rule:
// an integral number is an `int`, anything else a `float64`.
//
// Containers built by Sprig (`list`, `dict`, ...) are Go values in Higress and print the
// Go way (`map[a:1]`, `[1 2]`), while containers from the JSON data print as JSON text.
// The `goTagged` set remembers which is which without copying.

const goTagged = new WeakSet<object>();

/** Marks an array as a Go slice (printed `[a b]`) and returns it. */
export function goList<T>(arr: T[]): T[] {
  goTagged.add(arr);
  return arr;
}

/** Creates a Go map (null prototype, printed `map[k:v]`) from entries. */
export function goMap(entries?: Iterable<[string, unknown]>): Record<string, unknown> {
  const m: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (entries) for (const [k, v] of entries) m[k] = v;
  goTagged.add(m);
  return m;
}

/** Whether a container was built by a template function rather than read from JSON. */
export function isGoValue(v: unknown): boolean {
  return typeof v === 'object' && v !== null && goTagged.has(v);
}

/** A Go time.Time: an instant plus the IANA zone used for formatting ('Local' = process zone). */
export class GoTime {
  /** Milliseconds since the Unix epoch. */
  readonly ms: number;
  /** Sub-millisecond nanoseconds (0-999999), kept so `.000000` layouts print something sane. */
  readonly extraNs: number;
  /** IANA zone name, 'UTC' or 'Local'. */
  readonly zone: string;
  constructor(ms: number, zone: string, extraNs = 0) {
    this.ms = ms;
    this.zone = zone;
    this.extraNs = extraNs;
  }
}

/**
 * JSON text that prints verbatim and behaves as its value: the output of a gjson modifier such as
 * `@pretty`, or a number from raw JSON whose text JS would not print back (`1.50`, `1e3`, 2^53+).
 */
export class JsonText {
  constructor(readonly raw: string, readonly value: unknown) {}
}

// Containers read from an upstream's raw JSON (json-data.ts) remember their source text, so they
// print exactly as sent (spacing, number text), and objects remember their key order, which JS
// objects lose for integer-like keys; gjson's ForEach walks the source order.
// Kept as non-enumerable symbol properties rather than in WeakMaps: a WeakMap entry per container
// made reading an 8 MB body five times slower (ephemeron tables are costly to collect), and a
// non-enumerable property is not copied by spread or Object.assign, so a modified copy forgets it.
const RAW = Symbol('raw JSON text');
const ORDER = Symbol('source key order');
/**
 * Set once a container's members have been matched with its source text (see withMembers); a
 * container with RAW but not READ is still pending, so a pending child costs one property.
 */
const READ = Symbol('members read');

/** Reads a pending container's members from its source text (json-data.ts registers it; a hook avoids an import cycle). */
let memberReader: ((container: object, raw: string) => void) | undefined;

/** Registers the function that reads a container's members from its source text. */
export function setMemberReader(read: (container: object, raw: string) => void): void {
  memberReader = read;
}

function hide(container: object, key: symbol, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: false, writable: true, configurable: true });
}

/** What else {@link rememberSource} records. */
export interface SourceOptions {
  /** The object's keys in source order, when JS would order them differently. */
  readonly keys?: readonly string[];
  /** Defer matching the members with the text until something reads them (withMembers). */
  readonly pending?: boolean;
}

/** Records the source text (and what `opts` adds) of a container parsed from raw JSON. */
export function rememberSource(container: object, raw: string, opts?: SourceOptions): void {
  hide(container, RAW, raw);
  if (opts?.keys !== undefined) hide(container, ORDER, opts.keys);
  if (opts?.pending !== true) hide(container, READ, true);
}

/**
 * Makes sure a container from raw JSON has its members matched with the source text (their own
 * text, number text, key order), reading them on first use; returns the value. Anything that looks
 * inside a data container calls this first, so work stays proportional to what a template touches.
 */
export function withMembers<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  const box = v as Record<symbol, unknown>;
  const raw = box[RAW];
  if (raw !== undefined && box[READ] !== true) {
    hide(v, READ, true);
    memberReader?.(v, raw as string);
  }
  return v;
}

/** Records a key order for a map built from raw-JSON data (a gjson modifier's result). */
export function keepOrder(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  hide(obj, ORDER, keys);
  return obj;
}

/** The JSON text a container was parsed from, if it came from raw JSON. */
export function sourceText(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? ((v as Record<symbol, string | undefined>)[RAW]) : undefined;
}

function sourceOrder(obj: object): readonly string[] | undefined {
  return (obj as Record<symbol, readonly string[] | undefined>)[ORDER];
}

/** A map's keys in source order when it came from raw JSON, else in JS insertion order. */
export function orderedKeys(obj: Record<string, unknown>): readonly string[] {
  return sourceOrder(withMembers(obj)) ?? Object.keys(obj);
}

/** The keys `range` walks: source order for raw JSON (gjson's ForEach), else Go's sorted map order. */
export function rangeKeys(obj: Record<string, unknown>): readonly string[] {
  return sourceOrder(withMembers(obj)) ?? sortedKeys(obj);
}

/** A JS object used as a Go map (any non-array object that is not one of our classes). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoTime) && !(v instanceof JsonText);
}

/** Own-property lookup that ignores the prototype chain (`__proto__`, `constructor`, ...). */
export function getKey(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Unwraps JsonText to the value it stands for. */
export function unwrap(v: unknown): unknown {
  return v instanceof JsonText ? v.value : v;
}

/** Go/gjson_template truthiness: zero values, empty containers, null and missing are false. */
export function isTrue(v: unknown): boolean {
  const u = unwrap(v);
  if (u === undefined || u === null) return false;
  switch (typeof u) {
    case 'boolean': return u;
    case 'number': return u !== 0 && !Number.isNaN(u);
    case 'string': return u.length > 0;
    case 'object':
      if (Array.isArray(u)) return u.length > 0;
      if (u instanceof GoTime) return true;
      for (const k in u) if (Object.prototype.hasOwnProperty.call(u, k)) return true;
      return false;
    default: return true;
  }
}

/** Whether a number is an `int` in the gjson_template sense (integral and within int64). */
export function isIntNumber(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 9223372036854775808;
}

/** Go type name of a value, as `%T` and `%!verb(type=...)` print it. */
export function goTypeName(v: unknown): string {
  const u = unwrap(v);
  if (u === undefined || u === null) return '<nil>';
  switch (typeof u) {
    case 'boolean': return 'bool';
    case 'number': return isIntNumber(u) ? 'int' : 'float64';
    case 'string': return 'string';
    default: break;
  }
  if (Array.isArray(u)) return '[]interface {}';
  if (u instanceof GoTime) return 'time.Time';
  return 'map[string]interface {}';
}

/** Sorted own keys, the order Go uses when printing or ranging over a map. */
export function sortedKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).sort(compareStrings);
}

/** Byte-wise (code point) string comparison like Go's `<` on strings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates encode code points above U+FFFF, which sort after all BMP characters in UTF-8.
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa !== sb) return sa ? 1 : -1;
      return ca < cb ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}
