// Parsing times with Go layouts (time.ParseInLocation) and Go durations
// (time.ParseDuration, Duration.String).
import { isDigitAt, parseLayout, instantFromWall } from './go-time.js';
import { isValidZone } from './go-zone.js';
import { GoTime } from './values.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const LONG_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface Fields {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  ns: number; pm: -1 | 0 | 1; offset: number | null;
}

class ParseFail extends Error {}

/** Reads 1..max digits (exactly `min` at least) at `s[i]`. */
function digits(s: string, i: number, min: number, max: number): [number, number] {
  let j = i;
  while (j - i < max && isDigitAt(s, j)) j++;
  if (j - i < min) throw new ParseFail();
  return [Number(s.slice(i, j)), j];
}

function lookupName(s: string, i: number, names: string[], len?: number): [number, number] {
  const lower = s.toLowerCase();
  for (const [k, name] of names.entries()) {
    const n = len ? name.slice(0, len) : name;
    if (lower.startsWith(n, i)) return [k, i + n.length];
  }
  throw new ParseFail();
}

function parseOffset(s: string, i: number, std: string): [number | null, number] {
  if (std.startsWith('ISO') && s[i] === 'Z') return [0, i + 1];
  const sign = s[i] === '-' ? -1 : s[i] === '+' ? 1 : 0;
  if (!sign) throw new ParseFail();
  let j = i + 1;
  const colon = std.includes('Colon');
  const [hh, a] = digits(s, j, 2, 2);
  j = a;
  let mm = 0;
  let ss = 0;
  if (!std.endsWith('ShortTZ')) {
    if (colon) j = expect(s, j, ':');
    [mm, j] = digits(s, j, 2, 2);
    if (std.includes('Seconds')) {
      if (colon) j = expect(s, j, ':');
      [ss, j] = digits(s, j, 2, 2);
    }
  }
  return [sign * (hh * 3600 + mm * 60 + ss), j];
}

function expect(s: string, i: number, lit: string): number {
  if (!s.startsWith(lit, i)) throw new ParseFail();
  return i + lit.length;
}

/** Optional fractional seconds following a seconds field, as Go accepts them. */
function fraction(s: string, i: number, f: Fields): number {
  if ((s[i] !== '.' && s[i] !== ',') || !isDigitAt(s, i + 1)) return i;
  let j = i + 1;
  while (isDigitAt(s, j)) j++;
  f.ns = Math.round(Number('0.' + s.slice(i + 1, j)) * 1e9);
  return j;
}

function parseStd(std: string, s: string, i: number, f: Fields): number {
  let v: number;
  switch (std) {
    case 'LongMonth': [v, i] = lookupName(s, i, LONG_MONTHS); f.month = v + 1; return i;
    case 'Month': [v, i] = lookupName(s, i, MONTHS, 3); f.month = v + 1; return i;
    case 'LongWeekDay': return lookupName(s, i, DAYS)[1];
    case 'WeekDay': return lookupName(s, i, DAYS, 3)[1];
    case 'NumMonth': case 'ZeroMonth': [f.month, i] = digits(s, i, std === 'ZeroMonth' ? 2 : 1, 2); return i;
    case 'Day': case 'ZeroDay': [f.day, i] = digits(s, i, std === 'ZeroDay' ? 2 : 1, 2); return i;
    case 'UnderDay': if (s[i] === ' ') i++; [f.day, i] = digits(s, i, 1, 2); return i;
    case 'UnderYearDay': case 'ZeroYearDay': while (s[i] === ' ') i++; return digits(s, i, 1, 3)[1];
    case 'Hour': [f.hour, i] = digits(s, i, 2, 2); return i;
    case 'Hour12': case 'ZeroHour12': [f.hour, i] = digits(s, i, std === 'ZeroHour12' ? 2 : 1, 2); return i;
    case 'Minute': case 'ZeroMinute': [f.minute, i] = digits(s, i, std === 'ZeroMinute' ? 2 : 1, 2); return i;
    case 'Second': case 'ZeroSecond': [f.second, i] = digits(s, i, std === 'ZeroSecond' ? 2 : 1, 2); return fraction(s, i, f);
    case 'LongYear': [f.year, i] = digits(s, i, 4, 4); return i;
    case 'Year': [v, i] = digits(s, i, 2, 2); f.year = v >= 69 ? 1900 + v : 2000 + v; return i;
    case 'PM': case 'pm': {
      const ap = s.slice(i, i + 2).toUpperCase();
      if (ap !== 'AM' && ap !== 'PM') throw new ParseFail();
      f.pm = ap === 'PM' ? 1 : 0;
      return i + 2;
    }
    case 'TZ': {
      if (s.startsWith('UTC', i)) { f.offset = 0; return i + 3; }
      const m = /^[A-Z]{3,5}/.exec(s.slice(i));
      if (!m) throw new ParseFail();
      return i + m[0].length; // Go fabricates a zero-offset zone for unknown abbreviations.
    }
    default: [f.offset, i] = parseOffset(s, i, std); return i;
  }
}

/** Parses `value` with Go layout `layout` in `zone` (time.ParseInLocation); null when it does not match. */
export function parseTime(layout: string, value: string, zone: string): GoTime | null {
  const f: Fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, ns: 0, pm: -1, offset: null };
  let i = 0;
  try {
    for (const c of parseLayout(layout)) {
      if (typeof c === 'string') i = expect(value, i, c);
      else if ('std' in c) i = parseStd(c.std, value, i, f);
      else i = fraction(value, i, f);
    }
  } catch (e) {
    if (e instanceof ParseFail) return null;
    throw e;
  }
  if (i !== value.length) return null;
  if (f.pm === 1 && f.hour < 12) f.hour += 12;
  if (f.pm === 0 && f.hour === 12) f.hour = 0;
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59 || f.second > 59) return null;
  const wall = { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second };
  const useZone = isValidZone(zone) ? zone : 'UTC';
  const ms = f.offset === null
    ? instantFromWall(wall, useZone)
    : instantFromWall(wall, 'UTC') - f.offset * 1000;
  return new GoTime(ms + Math.floor(f.ns / 1e6), useZone, f.ns % 1e6);
}

const UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1000000n, s: 1000000000n, m: 60000000000n, h: 3600000000000n,
};

/** Go's time.ParseDuration, in nanoseconds; null when invalid. */
export function parseDuration(s: string): bigint | null {
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return null;
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return null;
    const unit = Number(UNITS[m[3]!]); // group 3 always participates; the regex only admits known units
    total += Number(m[1] || '0') * unit + (m[2] ? Number('0.' + m[2]) * unit : 0);
    rest = rest.slice(m[0].length);
  }
  if (total > 9223372036854775807) return null;
  return BigInt(Math.round(neg ? -total : total));
}

function fracString(v: bigint, digitsCount: number): string {
  const s = v.toString().padStart(digitsCount, '0').replace(/0+$/, '');
  return s === '' ? '' : '.' + s;
}

/** Go's time.Duration.String() for a nanosecond count, e.g. "1h2m3.5s", "1.5µs", "0s". */
export function durationString(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  const u = neg ? -d : d;
  const sign = neg ? '-' : '';
  if (u < 1000000000n) {
    if (u < 1000n) return `${sign}${u}ns`;
    if (u < 1000000n) return `${sign}${u / 1000n}${fracString(u % 1000n, 3)}µs`;
    return `${sign}${u / 1000000n}${fracString(u % 1000000n, 6)}ms`;
  }
  let out = `${(u / 1000000000n) % 60n}${fracString(u % 1000000000n, 9)}s`;
  const mins = u / 60000000000n;
  if (mins > 0n) {
    out = `${mins % 60n}m` + out;
    const hours = mins / 60n;
    if (hours > 0n) out = `${hours}h` + out;
  }
  return sign + out;
}
