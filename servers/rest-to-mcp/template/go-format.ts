// Printing values the way Go does: strconv.FormatFloat, fmt's %v, strconv.Quote,
// plus the gjson_template rule for what an action `{{ x }}` writes.
import { timeString } from './go-time.js';
import { jsonEncode } from './go-json.js';
import { GoTime, JsonText, getKey, isGoValue, isIntNumber, isMap, sortedKeys } from './values.js';

interface Digits {
  neg: boolean;
  d: string; // significant digits, no leading zeros ("0" for zero)
  dp: number; // decimal point position: value = 0.d * 10^dp
}

/** Decimal digits of |n|: shortest round-trip when `sig` is undefined, else rounded to `sig` digits. */
function decompose(n: number, sig?: number): Digits {
  const neg = n < 0 || Object.is(n, -0);
  const s = sig === undefined ? Math.abs(n).toExponential() : Math.abs(n).toExponential(Math.min(Math.max(sig - 1, 0), 100));
  const e = s.indexOf('e');
  return { neg, d: s.slice(0, e).replace('.', ''), dp: Number(s.slice(e + 1)) + 1 };
}

function fmtE(x: Digits, prec: number, upper: boolean): string {
  let s = (x.neg ? '-' : '') + x.d[0];
  if (prec > 0) s += '.' + x.d.slice(1, prec + 1).padEnd(prec, '0');
  const exp = x.d === '0' ? 0 : x.dp - 1;
  const ae = Math.abs(exp);
  return s + (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
}

function fmtF(x: Digits, prec: number): string {
  let s = x.neg ? '-' : '';
  if (x.dp > 0) s += x.d.slice(0, x.dp).padEnd(x.dp, '0');
  else s += '0';
  if (prec > 0) {
    let frac = '';
    for (let i = 0; i < prec; i++) {
      const k = x.dp + i;
      frac += k >= 0 && k < x.d.length ? x.d[k] : '0';
    }
    s += '.' + frac;
  }
  return s;
}

/** %f with precision, rounding exact ties to even like Go (toFixed rounds them up). */
function fixed(n: number, prec: number): string {
  const a = Math.abs(n);
  const neg = n < 0 || Object.is(n, -0) ? '-' : '';
  if (a >= 1e21) return neg + BigInt(a).toString() + (prec > 0 ? '.' + '0'.repeat(prec) : '');
  const p = Math.min(prec, 100);
  let s = a.toFixed(p);
  const exact = a.toFixed(Math.min(p + 30, 100));
  const tail = exact.slice(exact.length - (Math.min(p + 30, 100) - p));
  if (/^50*$/.test(tail)) {
    const down = exact.slice(0, exact.length - tail.length).replace(/\.$/, '');
    const lastDigit = Number(down[down.length - 1]);
    if (lastDigit % 2 === 0) s = down;
  }
  return neg + s + (prec > p ? '0'.repeat(prec - p) : '');
}

/** strconv.FormatFloat(n, fmt, prec, 64); prec -1 means shortest. */
export function formatFloat(n: number, fmt: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const shortest = prec < 0;
  switch (fmt) {
    case 'e': case 'E': {
      const x = shortest ? decompose(n) : decompose(n, prec + 1);
      return fmtE(x, shortest ? x.d.length - 1 : prec, fmt === 'E');
    }
    case 'f': case 'F': {
      if (!shortest) return fixed(n, prec);
      const x = decompose(n);
      return fmtF(x, Math.max(x.d.length - x.dp, 0));
    }
    default: return formatG(n, prec, fmt === 'G');
  }
}

function formatG(n: number, prec: number, upper: boolean): string {
  const shortest = prec < 0;
  let p = prec === 0 ? 1 : prec;
  const x = shortest ? decompose(n) : decompose(n, p);
  x.d = x.d.replace(/(?<=.)0+$/, '');
  if (x.d === '0') x.dp = 1;
  if (shortest) p = x.d.length;
  let eprec = p;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (p > x.d.length) p = x.d.length;
    return fmtE(x, p - 1, upper);
  }
  if (p > x.dp) p = x.d.length;
  return fmtF(x, Math.max(p - x.dp, 0));
}

/** Decimal text of an integral number, exact even beyond 2^53. */
function formatInt(n: number): string {
  if (Math.abs(n) < 1e21) return Object.is(n, -0) ? '0' : String(n);
  return BigInt(n).toString();
}

/** A number as Go's %v prints it: ints in decimal, floats as strconv 'g' shortest. */
function formatNumberV(n: number): string {
  return isIntNumber(n) ? formatInt(n) : formatFloat(n, 'g', -1);
}

/** Go's fmt %v of a value (nil as `<nil>`, slices `[a b]`, maps `map[k:v]` in key order). */
export function formatV(v: unknown, depth = 0): string {
  if (depth > 100) return '...';
  if (v === undefined || v === null) return '<nil>';
  switch (typeof v) {
    case 'string': return v;
    case 'number': return formatNumberV(v);
    case 'boolean': return v ? 'true' : 'false';
    default: break;
  }
  if (v instanceof JsonText) return v.raw;
  if (v instanceof GoTime) return timeString(v);
  if (Array.isArray(v)) return '[' + v.map((e) => formatV(e, depth + 1)).join(' ') + ']';
  if (isMap(v)) {
    return 'map[' + sortedKeys(v).map((k) => `${k}:${formatV(getKey(v, k), depth + 1)}`).join(' ') + ']';
  }
  return String(v);
}

/** A JSON-sourced number the way gjson prints its raw text (plain decimals, exponents only at extremes). */
export function formatJsonNumber(n: number): string {
  if (isIntNumber(n)) return formatInt(n);
  const a = Math.abs(n);
  if (a >= 1e-6 && a < 1e21) return String(n);
  return formatFloat(n, 'g', -1);
}

/**
 * What `{{ x }}` writes, following gjson_template: missing → "", strings unquoted, JSON values
 * read from raw JSON as sent, other JSON containers as JSON text, Go-built containers the Go way,
 * null as "null".
 */
export function renderText(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return v;
    case 'number': return formatJsonNumber(v);
    case 'boolean': return v ? 'true' : 'false';
    default: break;
  }
  if (v instanceof JsonText) return v.raw;
  if (v instanceof GoTime) return timeString(v);
  if (isGoValue(v)) return formatV(v);
  return jsonEncode(v, { sortKeys: false, escapeHtml: false, keepRaw: true });
}

/** Coerces a value for a string parameter: like renderText, but missing and null become "". */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : renderText(v);
}

/** Whether a code point prints as itself in Go's strconv.Quote (unicode.IsPrint approximation). */
function isPrintable(cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad || cp === 0xfeff || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x200b && cp <= 0x200f)) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return !(cp >= 0xe000 && cp <= 0xf8ff);
}

const QUOTE_ESC: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

/** Go's strconv.Quote (or QuoteToASCII when asciiOnly), with `quote` as the delimiter. */
export function goQuote(s: string, asciiOnly = false, quote = '"'): string {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (asciiOnly ? cp < 0x7f && cp >= 0x20 : isPrintable(cp)) out += ch;
    else if (QUOTE_ESC[cp]) out += QUOTE_ESC[cp];
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + quote;
}
