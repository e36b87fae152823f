// An upstream's JSON body as template data, kept as gjson keeps it. gjson_template evaluates paths
// on the raw bytes and prints what it finds as sent, so the values built here remember their text:
// containers their source slice and key order (values.ts), numbers whose text JS would not print
// back (`1.50`, `1e3`, integers beyond 2^53) a JsonText. lossless-json was evaluated and not used:
// it keeps number text but neither spacing nor the order of integer-like keys.
//
// Cost: the body is parsed by JSON.parse (native, what agate did before), and a container's members
// are matched with their source text only when a template first looks inside it (withMembers), one
// level at a time, so the extra work is proportional to what the template touches. A body JSON.parse
// refuses goes to the lenient reader (json-lenient.ts). Both are iterative: depth costs heap, not stack.
import { formatJsonNumber } from './go-format.js';
import { INDEX_KEY, LenientReader, Malformed } from './json-lenient.js';
import { JsonText, keepOrder, orderedKeys, rememberSource, setMemberReader, sourceText } from './values.js';

/** The body as template data, or why it cannot be (the message Higress gives for a non-container). */
export type JsonDataResult = { ok: true; value: unknown } | { ok: false; error: string };

/** gjson_template's refusal of anything but an object or array (exec.go, Template.execute). */
export const NOT_A_CONTAINER = 'data must be a valid JSON object or array';

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
  // gjson.Parse keeps everything from the opening bracket on as the root's Raw, trailing bytes too.
  if (typeof value === 'object' && value !== null) {
    rememberSource(value, s.slice(i), PENDING);
    return { ok: true, value };
  }
  try {
    const root = new LenientReader(s).read(i) as object;
    rememberSource(root, s.slice(i));
    return { ok: true, value: root };
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
