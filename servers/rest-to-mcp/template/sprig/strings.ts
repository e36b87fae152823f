// Sprig string functions (masterminds.github.io/sprig/strings.html). Argument
// order follows Sprig: the subject string comes last so it can be piped in.
import { checkSize, def, str, strslice, strval, toInt64, type FuncTable } from '../funcs.js';
import { goQuote } from '../go-format.js';
import { compareStrings, goList, goMap } from '../values.js';

/** Byte-indexed slice of a string, as Go slices strings. */
function byteSlice(s: string, start: number, end?: number): string {
  return Buffer.from(s, 'utf8').subarray(start, end).toString('utf8');
}

function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Go's strings.Trim(s, cutset). */
function trimSet(s: string, cutset: string): string {
  const set = new Set(cutset);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  // Both indexes stay within [0, chars.length) inside the loop guards.
  while (a < b && set.has(chars[a]!)) a++;
  while (b > a && set.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join('');
}

/** Go's strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = !/[\p{L}\p{N}_]/u.test(prev) || /\s/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function untitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += /\s/u.test(prev) ? ch.toLowerCase() : ch;
    prev = ch;
  }
  return out;
}

function substr(start: unknown, end: unknown, s: unknown): string {
  const st = toInt64(start);
  const en = toInt64(end);
  const v = str(s);
  const len = byteLen(v);
  if (st < 0) return byteSlice(v, 0, Math.max(en, 0));
  if (en < 0 || en > len) return byteSlice(v, Math.min(st, len));
  if (st > en) return '';
  return byteSlice(v, st, en);
}

function trunc(c: unknown, s: unknown): string {
  const n = toInt64(c);
  const v = str(s);
  const len = byteLen(v);
  if (n < 0 && len + n > 0) return byteSlice(v, len + n);
  if (n >= 0 && len > n) return byteSlice(v, 0, n);
  return v;
}

function abbrev(width: unknown, s: unknown): string {
  const w = toInt64(width);
  const v = str(s);
  if (w < 4 || byteLen(v) <= w) return v;
  return byteSlice(v, 0, w - 3) + '...';
}

function indent(spaces: unknown, v: unknown): string {
  const pad = ' '.repeat(checkSize(Math.max(toInt64(spaces), 0), 'indent'));
  return pad + str(v).replaceAll('\n', '\n' + pad);
}

function splitToMap(parts: string[]): Record<string, unknown> {
  return goMap(parts.map((p, i) => [`_${i}`, p]));
}

/** Go's strings.SplitN semantics (n < 0: all; n == 0: none). */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  const all = sep === '' ? [...s] : s.split(sep);
  if (n < 0 || all.length <= n) return all;
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)];
}

/** Sprig's string family. */
export const STRING_FUNCS: FuncTable = {
  trim: def(1, 1, (s) => str(s).replace(/^\s+|\s+$/gu, '')),
  trimAll: def(2, 2, (cut, s) => trimSet(str(s), str(cut))),
  trimPrefix: def(2, 2, (p, s) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s))),
  trimSuffix: def(2, 2, (p, s) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s))),
  upper: def(1, 1, (s) => str(s).toUpperCase()),
  lower: def(1, 1, (s) => str(s).toLowerCase()),
  title: def(1, 1, (s) => title(str(s))),
  untitle: def(1, 1, (s) => untitle(str(s))),
  replace: def(3, 3, (o, n, s) => str(s).replaceAll(str(o), str(n))),
  contains: def(2, 2, (sub, s) => str(s).includes(str(sub))),
  hasPrefix: def(2, 2, (p, s) => str(s).startsWith(str(p))),
  hasSuffix: def(2, 2, (p, s) => str(s).endsWith(str(p))),
  quote: def(0, Infinity, (...a) => a.filter((x) => x !== null && x !== undefined).map((x) => goQuote(strval(x))).join(' ')),
  squote: def(0, Infinity, (...a) => a.filter((x) => x !== null && x !== undefined).map((x) => `'${strval(x)}'`).join(' ')),
  repeat: def(2, 2, (c, s) => {
    const n = Math.max(toInt64(c), 0);
    checkSize(n * str(s).length, 'repeat');
    return str(s).repeat(n);
  }),
  substr: def(3, 3, substr),
  trunc: def(2, 2, trunc),
  abbrev: def(2, 2, abbrev),
  split: def(2, 2, (sep, s) => splitToMap(str(s).split(str(sep)))),
  splitList: def(2, 2, (sep, s) => goList(str(sep) === '' ? [...str(s)] : str(s).split(str(sep)))),
  splitn: def(3, 3, (sep, n, s) => splitToMap(splitN(str(s), str(sep), toInt64(n)))),
  nospace: def(1, 1, (s) => str(s).replace(/\s+/gu, '')),
  indent: def(2, 2, indent),
  nindent: def(2, 2, (n, v) => '\n' + indent(n, v)),
  cat: def(0, Infinity, (...a) => a.filter((x) => x !== null && x !== undefined).map(strval).join(' ')),
  plural: def(3, 3, (one, many, n) => (toInt64(n) === 1 ? str(one) : str(many))),
  initials: def(1, 1, (s) => str(s).split(/\s+/u).filter(Boolean).map((w) => [...w][0]).join('')),
  toString: def(1, 1, (v) => strval(v)),
  toStrings: def(1, 1, (v) => goList(strslice(v))),
  join: def(2, 2, (sep, v) => strslice(v).join(str(sep))),
  sortAlpha: def(1, 1, (v) => goList(strslice(v).sort(compareStrings))),
  snakecase: def(1, 1, (s) => str(s).replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_').toLowerCase()),
  kebabcase: def(1, 1, (s) => str(s).replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[\s_]+/g, '-').toLowerCase()),
  camelcase: def(1, 1, (s) => str(s).split(/[_\s-]+/).map((w) => (w ? w.charAt(0).toUpperCase() + w.slice(1) : '')).join('')),
  swapcase: def(1, 1, (s) => [...str(s)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')),
};
