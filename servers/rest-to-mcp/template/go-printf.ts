// Go's fmt.Sprintf over template values: flags (# 0 + - space), width and precision
// (including *), the common verbs, and Go's error notation (%!d(string=x),
// %!v(MISSING), %!(EXTRA ...), %!(NOVERB), %!(BADWIDTH)).
import { formatFloat, formatV, goQuote } from './go-format.js';
import { isDigitAt, timeString } from './go-time.js';
import { GoTime, JsonText, getKey, goTypeName, isIntNumber, isMap, sortedKeys } from './values.js';

interface Spec {
  verb: string; // the conversion character, e.g. 'd' or 'x'
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number; // -1 = none
  prec: number; // -1 = none
}

/** Go rejects widths and precisions beyond ±1e6. */
const TOO_LARGE = 1e6;

const runeLen = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

function pad(s: string, f: Spec, zeroOk = true): string {
  if (f.width < 0) return s;
  const n = f.width - runeLen(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? s.charAt(0) : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function badVerb(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatV(v)})`;
}

function fmtInteger(n: number, verb: string, f: Spec): string {
  const neg = n < 0;
  const abs = neg ? -n : n;
  const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : verb === 'x' || verb === 'X' ? 16 : 10;
  let digits = Math.abs(abs) < 1e21 ? abs.toString(base) : BigInt(abs).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = f.prec;
  if (prec < 0 && f.zero && !f.minus && f.width > 0) {
    prec = f.width - (neg || f.plus || f.space ? 1 : 0);
    if (f.sharp && (base === 16 || base === 2)) prec -= 2;
  }
  if (f.prec === 0 && n === 0) digits = '';
  if (prec > digits.length) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
    else if (base === 2) digits = '0b' + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + digits, { ...f, zero: false });
}

function fmtIntVerb(n: number, verb: string, f: Spec): string {
  switch (verb) {
    case 'v': case 'd': case 'b': case 'o': case 'O': case 'x': case 'X': return fmtInteger(n, verb === 'v' ? 'd' : verb, f);
    case 'c': return pad(n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd', f);
    case 'q': return pad(goQuote(n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd', f.plus, "'"), f);
    case 'U': {
      let s = 'U+' + n.toString(16).toUpperCase().padStart(4, '0');
      if (f.sharp && n >= 0 && n <= 0x10ffff) s += ` '${String.fromCodePoint(n)}'`;
      return pad(s, f);
    }
    default: return badVerb(verb, n);
  }
}

function fmtFloatVerb(n: number, verb: string, f: Spec): string {
  let fmt: 'e' | 'E' | 'f' | 'F' | 'g' | 'G';
  let prec = f.prec;
  switch (verb) {
    case 'v': case 'g': fmt = 'g'; break;
    case 'G': fmt = 'G'; break;
    case 'e': case 'E': case 'f': case 'F': fmt = verb; if (prec < 0) prec = 6; break;
    default: return badVerb(verb, n);
  }
  let s = formatFloat(n, fmt, prec);
  if (s === '+Inf' && !f.plus) s = f.space ? ' Inf' : 'Inf';
  else if (s[0] !== '-' && s[0] !== '+' && s !== 'NaN') s = (f.plus ? '+' : f.space ? ' ' : '') + s;
  else if (s === 'NaN' && (f.plus || f.space)) s = (f.plus ? '+' : ' ') + s;
  return pad(s, f, Number.isFinite(n));
}

function fmtString(s: string, verb: string, f: Spec): string {
  switch (verb) {
    case 'v': case 's': return pad(f.prec >= 0 ? [...s].slice(0, f.prec).join('') : s, f);
    case 'q': {
      const t = f.prec >= 0 ? [...s].slice(0, f.prec).join('') : s;
      if (f.sharp && !t.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(t)) return pad('`' + t + '`', f);
      return pad(goQuote(t, f.plus), f);
    }
    case 'x': case 'X': {
      let bytes = [...Buffer.from(s, 'utf8')];
      if (f.prec >= 0) bytes = bytes.slice(0, f.prec);
      const prefix = f.sharp ? '0x' : '';
      const parts = bytes.map((b) => b.toString(16).padStart(2, '0'));
      const hex = f.space ? parts.map((p) => prefix + p).join(' ') : prefix + parts.join('');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, f);
    }
    default: return badVerb(verb, s);
  }
}

/** Formats one argument with one directive. */
function formatArg(v: unknown, f: Spec, depth = 0): string {
  const verb = f.verb;
  if (verb === 'T') return pad(goTypeName(v), f);
  if (v === null || v === undefined) return verb === 'v' ? pad('<nil>', f) : badVerb(verb, v);
  if (v instanceof JsonText) return formatArg(v.raw, f, depth);
  switch (typeof v) {
    case 'boolean': return verb === 't' || verb === 'v' ? pad(v ? 'true' : 'false', f) : badVerb(verb, v);
    case 'number': return isIntNumber(v) ? fmtIntVerb(v, verb, f) : fmtFloatVerb(v, verb, f);
    case 'string': return fmtString(v, verb, f);
    default: break;
  }
  if (v instanceof GoTime) return 'vsqxX'.includes(verb) ? fmtString(timeString(v), verb, f) : badVerb(verb, v);
  if (depth > 100) return '...';
  if (Array.isArray(v)) return '[' + v.map((e) => formatArg(e, f, depth + 1)).join(' ') + ']';
  if (isMap(v)) {
    const parts = sortedKeys(v).map((k) => `${formatArg(k, f, depth + 1)}:${formatArg(getKey(v, k), f, depth + 1)}`);
    return 'map[' + parts.join(' ') + ']';
  }
  return badVerb(verb, v);
}

/** Reads a decimal number at `i`; returns [value, nextIndex] or null if none. */
function parseNum(format: string, i: number): [number, number] | null {
  let j = i;
  let n = 0;
  while (isDigitAt(format, j)) {
    n = n * 10 + (format.charCodeAt(j) - 48);
    if (n > TOO_LARGE) n = TOO_LARGE + 1;
    j++;
  }
  return j === i ? null : [n, j];
}

/** Scanning state shared by sprintf and its helpers. */
interface Cursor {
  readonly format: string;
  readonly args: unknown[];
  i: number;
  argNum: number;
  bad: string; // BADWIDTH/BADPREC notes to emit before the verb's output
}

function parseFlags(c: Cursor, f: Spec): void {
  const format = c.format;
  for (; c.i < format.length; c.i++) {
    switch (format[c.i]) {
      case '#': f.sharp = true; break;
      case '0': f.zero = !f.minus; break;
      case '+': f.plus = true; break;
      case '-': f.minus = true; f.zero = false; break;
      case ' ': f.space = true; break;
      default: return;
    }
  }
}

function parseWidth(c: Cursor, f: Spec): void {
  const format = c.format;
  if (format[c.i] === '*') {
    c.i++;
    const w = c.args[c.argNum++];
    if (typeof w === 'number' && isIntNumber(w) && Math.abs(w) <= TOO_LARGE) {
      f.width = Math.abs(w);
      if (w < 0) {
        f.minus = true;
        f.zero = false;
      }
    } else c.bad += '%!(BADWIDTH)';
    return;
  }
  const w = parseNum(format, c.i);
  if (!w) return;
  if (w[0] > TOO_LARGE) c.bad += '%!(BADWIDTH)';
  else f.width = w[0];
  c.i = w[1];
}

function parsePrecision(c: Cursor, f: Spec): void {
  const format = c.format;
  if (format[c.i] !== '.') return;
  c.i++;
  if (format[c.i] === '*') {
    c.i++;
    const p = c.args[c.argNum++];
    if (typeof p === 'number' && isIntNumber(p) && p >= 0 && p <= TOO_LARGE) f.prec = p;
    else c.bad += '%!(BADPREC)';
    return;
  }
  const p = parseNum(format, c.i);
  if (p && p[0] > TOO_LARGE) c.bad += '%!(BADPREC)';
  else f.prec = p ? p[0] : 0;
  if (p) c.i = p[1];
}

/** Go's fmt.Sprintf over template values. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  const c: Cursor = { format, args, i: 0, argNum: 0, bad: '' };
  while (c.i < format.length) {
    const pct = format.indexOf('%', c.i);
    if (pct < 0) {
      out += format.slice(c.i);
      break;
    }
    out += format.slice(c.i, pct);
    c.i = pct + 1;
    const f: Spec = { verb: '', plus: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };
    c.bad = '';
    parseFlags(c, f);
    parseWidth(c, f);
    parsePrecision(c, f);
    out += c.bad;
    if (c.i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(c.i) as number);
    c.i += verb.length;
    // %% consumes no argument and ignores width and precision.
    if (verb === '%') out += '%';
    else if (c.argNum >= args.length) out += `%!${verb}(MISSING)`;
    else {
      f.verb = verb;
      out += formatArg(args[c.argNum++], f);
    }
  }
  if (c.argNum < args.length) {
    const extra = args.slice(c.argNum).map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatV(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
