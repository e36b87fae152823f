// gjson path resolution over already-parsed JSON values (tidwall/gjson SYNTAX.md):
// dotted keys with `\` escapes and `*`/`?` wildcards, array indexes, `#` length and
// projection, `#(...)`/`#(...)#` queries, `|` pipes, `@modifiers`, `!literals` and
// `[a,b]`/`{a,b}` multipaths.
import { jsonEncode } from './go-json.js';
import { formatJsonNumber } from './go-format.js';
import { globMatch, parseQuery, queryMatches } from './gjson-match.js';
import { applyModifier, isModifier } from './gjson-modifiers.js';
import { getKey, isMap, JsonText, orderedKeys, withMembers } from './values.js';

interface R {
  ok: boolean;
  v: unknown;
  raw?: string;
}

const NONE: R = { ok: false, v: undefined };
const MAX_DEPTH = 64;

/** Result of {@link gjsonGet}, shaped after gjson.Result. */
export interface GjsonResult {
  /** Whether the path matched anything. */
  readonly exists: boolean;
  /** The matched value as JSON-compatible JS data (undefined when missing). */
  readonly value: unknown;
  /** The matched value as JSON text ("" when missing). */
  readonly raw: string;
  /** gjson's Result.String(): strings unquoted, numbers and containers as JSON text, null/missing as "". */
  toString(): string;
}

/** Finds the end of a JSON value starting at `s[i]` (string, container or bare token). */
function scanValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') {
    for (let j = i + 1; j < s.length; j++) {
      if (s[j] === '\\') j++;
      else if (s[j] === '"') return j + 1;
    }
    return s.length;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') j = scanValue(s, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        if (--depth === 0) return j + 1;
      }
    }
    return s.length;
  }
  let j = i;
  while (j < s.length && !'.|,]}:'.includes(s.charAt(j))) j++;
  return j;
}

function tryParse(text: string): R {
  try {
    return { ok: true, v: JSON.parse(text) as unknown };
  } catch {
    return NONE;
  }
}

/** Continues with `rest` ('.x', '|x' or '') after a value was produced. */
function continueWith(r: R, rest: string, depth: number): R {
  if (!r.ok) return NONE;
  if (rest === '') return r;
  if (rest[0] === '.' || rest[0] === '|') return get(r.v, rest.slice(1), depth + 1);
  return NONE;
}

function modifier(v: unknown, path: string, depth: number): R | null {
  let i = 1;
  while (i < path.length && path[i] !== '.' && path[i] !== '|' && path[i] !== ':') i++;
  const name = path.slice(1, i);
  if (!isModifier(name)) return null;
  let arg = '';
  let rest = path.slice(i);
  if (rest[0] === ':') {
    rest = rest.slice(1);
    let end: number;
    if (rest[0] === '{' || rest[0] === '[' || rest[0] === '"') end = scanValue(rest, 0);
    else {
      end = 0;
      while (end < rest.length && rest[end] !== '|') {
        end = '{["('.includes(rest.charAt(end)) ? scanValue(rest, end) : end + 1;
      }
    }
    arg = rest.slice(0, end);
    rest = rest.slice(end);
  }
  const m = applyModifier(name, v, arg);
  return continueWith({ ok: m.ok, v: m.value, raw: m.raw }, rest, depth);
}

function literal(path: string, depth: number): R {
  const body = path.slice(1);
  const end = scanValue(body, 0);
  const r = tryParse(body.slice(0, end));
  if (!r.ok) {
    const word = body.slice(0, end).toLowerCase();
    if (word === 'nan' || word === 'inf') return continueWith({ ok: true, v: word === 'nan' ? NaN : Infinity }, body.slice(end), depth);
    return NONE;
  }
  return continueWith(r, body.slice(end), depth);
}

interface Sub {
  name: string;
  path: string;
}

/** Splits `[a,b]` / `{k:a,b}` into sub-selectors; returns them and the text after the closer. */
function subSelectors(path: string): [Sub[], string] | null {
  const subs: Sub[] = [];
  let depth = 1;
  let colon = 0;
  let mod = 0;
  let start = 1;
  const push = (i: number): void => {
    subs.push(colon === 0 ? { name: '', path: path.slice(start, i) } : { name: path.slice(start, colon), path: path.slice(colon + 1, i) });
    colon = 0;
    mod = 0;
    start = i + 1;
  };
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (c === '@' && mod === 0 && (path[i - 1] === '.' || path[i - 1] === '|')) mod = i;
    else if (c === ':' && mod === 0 && colon === 0 && depth === 1) colon = i;
    else if (c === ',' && depth === 1) push(i);
    else if (c === '"') i = scanValue(path, i) - 1;
    else if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      if (--depth === 0) {
        push(i);
        return [subs, path.slice(i + 1)];
      }
    }
  }
  return null;
}

function lastName(path: string): string {
  for (let i = path.length - 1; i >= 0; i--) {
    if ((path[i] === '|' || path[i] === '.') && !(i > 0 && path[i - 1] === '\\')) return path.slice(i + 1);
  }
  return path;
}

function multipath(v: unknown, path: string, depth: number): R | null {
  const parsed = subSelectors(path);
  if (!parsed) return null;
  const [subs, rest] = parsed;
  if (rest !== '' && rest[0] !== '.' && rest[0] !== '|') return null;
  const asObject = path[0] === '{';
  const arr: unknown[] = [];
  const obj = Object.create(null) as Record<string, unknown>;
  for (const sub of subs) {
    const r = get(v, sub.path, depth + 1);
    if (!r.ok) continue;
    if (!asObject) {
      arr.push(r.v);
      continue;
    }
    let key = sub.name;
    if (key.startsWith('"')) {
      const k = tryParse(key);
      key = k.ok && typeof k.v === 'string' ? k.v : key;
    } else if (key === '') {
      const last = lastName(sub.path);
      key = /^[^[\]{}()#|!\x00-\x1f]*$/.test(last) ? last : '_';
    }
    obj[key] = r.v;
  }
  return continueWith({ ok: true, v: asObject ? obj : arr }, rest, depth);
}

/** Splits a key component at the first unescaped '.' or '|'; returns [key, wild, rest]. */
function splitKey(path: string): [string, boolean, string] {
  let key = '';
  let wild = false;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      if (i + 1 < path.length) key += '\\' + path[++i];
      continue;
    }
    if (c === '.' || c === '|') return [key, wild, path.slice(i)];
    if (c === '*' || c === '?') wild = true;
    key += c;
  }
  return [key, wild, ''];
}

function unescapeKey(key: string): string {
  return key.replace(/\\(.)/gs, '$1');
}

function objectGet(obj: Record<string, unknown>, path: string, depth: number): R {
  const [key, wild, rest] = splitKey(path);
  let child: unknown;
  if (wild) {
    const found = orderedKeys(obj).find((k) => globMatch(k, key));
    child = found === undefined ? undefined : obj[found];
  } else {
    child = getKey(obj, unescapeKey(key));
  }
  if (child === undefined) return NONE;
  return continueWith({ ok: true, v: child }, rest, depth);
}

/** Splits at the first top-level '|' that is not inside a `#(...)` query. */
function splitPipe(path: string): [string, string] | null {
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (c === '|') return [path.slice(0, i), path.slice(i + 1)];
    else if (c === '.' && path[i + 1] === '#' && (path[i + 2] === '(' || path[i + 2] === '[')) {
      const q = parseQuery(path.slice(i + 1));
      if (!q) return null;
      i += q.end;
    }
  }
  return null;
}

/** Applies `rest` (after `#` or `#(...)#`) to each element, collecting existing results. */
function project(items: unknown[], rest: string, depth: number): R {
  if (rest === '') return { ok: true, v: items };
  if (rest[0] === '|') return get(items, rest.slice(1), depth + 1);
  const sub = rest.slice(1);
  const split = splitPipe(sub);
  const left = split ? split[0] : sub;
  const out: unknown[] = [];
  for (const e of items) {
    const r = get(e, left, depth + 1);
    if (r.ok) out.push(r.v);
  }
  return split ? get(out, split[1], depth + 1) : { ok: true, v: out };
}

function arrayGet(arr: unknown[], path: string, depth: number): R {
  if (path[0] === '#') {
    if (path.length === 1) return { ok: true, v: arr.length };
    if (path[1] === '.') return project(arr, path.slice(1), depth);
    if (path[1] === '|') return continueWith({ ok: true, v: arr.length }, path.slice(1), depth);
    if (path[1] === '(' || path[1] === '[') return queryGet(arr, path, depth);
  }
  const [key, , rest] = splitKey(path);
  if (!/^\d+$/.test(key)) return NONE;
  const idx = Number(key);
  if (idx >= arr.length) return NONE;
  return continueWith({ ok: true, v: arr[idx] }, rest, depth);
}

function queryGet(arr: unknown[], path: string, depth: number): R {
  const q = parseQuery(path);
  if (!q) return NONE;
  const rest = path.slice(q.end);
  const matches: unknown[] = [];
  for (const e of arr) {
    let probe: unknown;
    if (isMap(e) || Array.isArray(e)) probe = get(e, q.path, depth + 1).v;
    else if (q.path === '') probe = e;
    else continue;
    if (!queryMatches(q, probe)) continue;
    if (!q.all) return continueWith({ ok: true, v: e }, rest, depth);
    matches.push(e);
  }
  if (!q.all) return NONE;
  return project(matches, rest, depth);
}

/** Resolves a gjson path against a value (internal form). */
function get(v: unknown, path: string, depth: number): R {
  if (depth > MAX_DEPTH || path === '') return NONE;
  v = withMembers(v instanceof JsonText ? v.value : v);
  const c = path[0];
  if (c === '@') {
    const r = modifier(v, path, depth);
    if (r) return r;
  } else if (c === '!') {
    return literal(path, depth);
  } else if (c === '[' || c === '{') {
    const r = multipath(v, path, depth);
    if (r) return r;
  }
  if (Array.isArray(v)) return arrayGet(v, path, depth);
  if (isMap(v)) return objectGet(v, path, depth);
  return NONE;
}

/** gjson's Result.String() for a value. */
function gjsonString(v: unknown, raw?: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatJsonNumber(v);
  return raw ?? jsonEncode(v, { sortKeys: false, escapeHtml: false, keepRaw: true });
}

/** Resolves `path` for the template engine: the value, or JsonText when a modifier fixed its text. */
export function gjsonLookup(data: unknown, path: string): unknown {
  const r = get(data, path, 0);
  if (!r.ok) return undefined;
  return r.raw === undefined ? r.v : new JsonText(r.raw, r.v);
}

/** Resolves a gjson path against JSON data (as returned by JSON.parse). */
export function gjsonGet(data: unknown, path: string): GjsonResult {
  const r = get(data, path, 0);
  const raw = !r.ok ? '' : r.raw ?? (r.v === undefined ? '' : jsonEncode(r.v, { sortKeys: false, escapeHtml: false, keepRaw: true }));
  return {
    exists: r.ok,
    value: r.v,
    raw,
    toString: () => (r.ok ? gjsonString(r.v, r.raw) : ''),
  };
}
