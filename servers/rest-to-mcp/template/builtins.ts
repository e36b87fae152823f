// Go text/template's predefined functions (pkg.go.dev/text/template#hdr-Functions).
// `and`, `or` and `gjson` need lazy evaluation or the current dot, so the evaluator
// implements them; they are listed here only so the parser accepts the names.
import { FuncError } from './errors.js';
import { def, str, type FuncTable } from './funcs.js';
import { formatV, renderText } from './go-format.js';
import { jsonEncode } from './go-json.js';
import { sprintf } from './go-printf.js';
import { GoTime, JsonText, compareStrings, getKey, goList, goTypeName, isGoValue, isIntNumber, isMap, isTrue, unwrap, withMembers } from './values.js';

/** Names the evaluator handles itself (lazy or dot-dependent). */
export const SPECIAL_FORMS = new Set(['and', 'or', 'gjson']);

/**
 * Normalises an argument for the fmt family the way gjson_template hands values to
 * fmt: JSON-sourced containers become their JSON text, missing becomes nil.
 */
function fmtArg(v: unknown): unknown {
  const u = v instanceof JsonText ? v.raw : v;
  if (u === undefined) return null;
  if (typeof u === 'object' && u !== null && !(u instanceof GoTime) && !isGoValue(u)) return renderText(u);
  return u;
}

/** Go's fmt.Sprint: operands separated by a space when neither side is a string. */
function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatV(a);
  });
  return out;
}

function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const HTML_ESC: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\ufffd' };

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\' || ch === "'" || ch === '"') out += '\\' + ch;
    else if (ch === '<' || ch === '>' || ch === '&' || ch === '=') out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else if (cp < 0x20) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

/** Equality used by eq/ne: numbers numerically (numeric strings too, as gjson_template), else by value. */
export function goEqual(a: unknown, b: unknown): boolean {
  const x = unwrap(a);
  const y = unwrap(b);
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  if (typeof x === 'number' && typeof y === 'string') return y.trim() !== '' && Number(y) === x;
  if (typeof x === 'string' && typeof y === 'number') return x.trim() !== '' && Number(x) === y;
  if (x === y) return true;
  if (x instanceof GoTime && y instanceof GoTime) return x.ms === y.ms && x.extraNs === y.extraNs;
  if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
    const enc = (v: unknown): string => jsonEncode(v, { sortKeys: true, escapeHtml: false });
    return enc(x) === enc(y);
  }
  return false;
}

/** Ordering used by lt/le/gt/ge: numerically for two numbers, else by gjson string form. */
function goCompare(a: unknown, b: unknown): number {
  const x = unwrap(a);
  const y = unwrap(b);
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  const sx = x === null || x === undefined ? '' : renderText(x);
  const sy = y === null || y === undefined ? '' : renderText(y);
  return compareStrings(sx, sy);
}

function indexOne(container: unknown, key: unknown): unknown {
  const c = withMembers(unwrap(container));
  const k = unwrap(key);
  // Go errors on indexing nil; a missing response field should render empty instead, as fields do.
  if (c === null || c === undefined) return undefined;
  if (Array.isArray(c) || typeof c === 'string') {
    if (typeof k !== 'number' || !isIntNumber(k)) throw new FuncError(`cannot index slice/array with type ${goTypeName(k)}`);
    const len = typeof c === 'string' ? Buffer.byteLength(c) : c.length;
    if (k < 0 || k >= len) throw new FuncError(`index out of range: ${k}`);
    return typeof c === 'string' ? Buffer.from(c, 'utf8')[k] : c[k];
  }
  if (isMap(c)) return getKey(c, k === null || k === undefined ? '' : renderText(k));
  throw new FuncError(`can't index item of type ${goTypeName(c)}`);
}

function sliceOf(item: unknown, ...idx: unknown[]): unknown {
  const v = unwrap(item);
  if (v === null || v === undefined) throw new FuncError('slice of untyped nil');
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  const isStr = typeof v === 'string';
  if (!isStr && !Array.isArray(v)) throw new FuncError(`can't slice item of type ${goTypeName(v)}`);
  if (isStr && idx.length === 3) throw new FuncError('cannot 3-index slice a string');
  const bytes = isStr ? Buffer.from(v, 'utf8') : null;
  const len = bytes ? bytes.length : (v as unknown[]).length;
  const n = idx.map((i) => {
    const u = unwrap(i);
    if (typeof u !== 'number' || !isIntNumber(u)) throw new FuncError(`cannot index slice/array with type ${goTypeName(u)}`);
    if (u < 0 || u > len) throw new FuncError(`index out of range: ${u}`);
    return u;
  });
  const lo = n[0] ?? 0;
  const hi = n[1] ?? len;
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  const max = n[2];
  if (max !== undefined && max < hi) throw new FuncError(`invalid slice index: ${hi} > ${max}`);
  return bytes ? bytes.subarray(lo, hi).toString('utf8') : goList((v as unknown[]).slice(lo, hi));
}

/** The predefined text/template functions other than the special forms. */
export const BUILTINS: FuncTable = {
  not: def(1, 1, (a) => !isTrue(a)),
  len: def(1, 1, (a) => {
    const u = unwrap(a);
    if (typeof u === 'string') return Buffer.byteLength(u);
    if (Array.isArray(u)) return u.length;
    if (isMap(u)) return Object.keys(u).length;
    return 0;
  }),
  index: def(1, Infinity, (c, ...keys) => keys.reduce((acc, k) => indexOne(acc, k), c)),
  slice: def(1, 4, sliceOf),
  print: def(0, Infinity, (...a) => goSprint(a.map(fmtArg))),
  println: def(0, Infinity, (...a) => a.map((x) => formatV(fmtArg(x))).join(' ') + '\n'),
  printf: def(1, Infinity, (f, ...a) => sprintf(str(f), a.map(fmtArg))),
  urlquery: def(0, Infinity, (...a) => queryEscape(goSprint(a.map(fmtArg)))),
  html: def(0, Infinity, (...a) => goSprint(a.map(fmtArg)).replace(/["'&<>\0]/g, (c) => HTML_ESC[c] ?? c)),
  js: def(0, Infinity, (...a) => jsEscape(goSprint(a.map(fmtArg)))),
  eq: def(2, Infinity, (a, ...rest) => rest.some((b) => goEqual(a, b))),
  ne: def(2, 2, (a, b) => !goEqual(a, b)),
  lt: def(2, 2, (a, b) => goCompare(a, b) < 0),
  le: def(2, 2, (a, b) => goCompare(a, b) <= 0),
  gt: def(2, 2, (a, b) => goCompare(a, b) > 0),
  ge: def(2, 2, (a, b) => goCompare(a, b) >= 0),
};
