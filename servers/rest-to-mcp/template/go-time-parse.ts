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

/** The text being parsed and how far parsing has got (Go's shrinking `value` string). */
interface Scan {
  readonly s: string;
  i: number;
}

/** Reads `min`..`max` digits at the scan position. */
function digits(sc: Scan, min: number, max: number): number {
  const { s, i } = sc;
  let j = i;
  while (j - i < max && isDigitAt(s, j)) j++;
  if (j - i < min) throw new ParseFail();
  sc.i = j;
  return Number(s.slice(i, j));
}

/** Index in `names` of the name at the scan position, compared on its first `len` letters when given. */
function lookupName(sc: Scan, names: string[], len?: number): number {
  const lower = sc.s.toLowerCase();
  for (const [k, name] of names.entries()) {
    const n = len ? name.slice(0, len) : name;
    if (lower.startsWith(n, sc.i)) {
      sc.i += n.length;
      return k;
    }
  }
  throw new ParseFail();
}

function parseOffset(sc: Scan, std: string): number {
  const { s } = sc;
  if (std.startsWith('ISO') && s[sc.i] === 'Z') {
    sc.i++;
    return 0;
  }
  const sign = s[sc.i] === '-' ? -1 : s[sc.i] === '+' ? 1 : 0;
  if (!sign) throw new ParseFail();
  sc.i++;
  const colon = std.includes('Colon');
  const hh = digits(sc, 2, 2);
  let mm = 0;
  let ss = 0;
  if (!std.endsWith('ShortTZ')) {
    if (colon) expect(sc, ':');
    mm = digits(sc, 2, 2);
    if (std.includes('Seconds')) {
      if (colon) expect(sc, ':');
      ss = digits(sc, 2, 2);
    }
  }
  return sign * (hh * 3600 + mm * 60 + ss);
}

function expect(sc: Scan, lit: string): void {
  if (!sc.s.startsWith(lit, sc.i)) throw new ParseFail();
  sc.i += lit.length;
}

/** Optional fractional seconds following a seconds field, as Go accepts them. */
function fraction(sc: Scan, f: Fields): void {
  const { s, i } = sc;
  if ((s[i] !== '.' && s[i] !== ',') || !isDigitAt(s, i + 1)) return;
  let j = i + 1;
  while (isDigitAt(s, j)) j++;
  f.ns = Math.round(Number('0.' + s.slice(i + 1, j)) * 1e9);
  sc.i = j;
}

function parseStd(std: string, sc: Scan, f: Fields): void {
  const { s } = sc;
  switch (std) {
    case 'LongMonth': f.month = lookupName(sc, LONG_MONTHS) + 1; return;
    case 'Month': f.month = lookupName(sc, MONTHS, 3) + 1; return;
    case 'LongWeekDay': lookupName(sc, DAYS); return;
    case 'WeekDay': lookupName(sc, DAYS, 3); return;
    case 'NumMonth': case 'ZeroMonth': f.month = digits(sc, std === 'ZeroMonth' ? 2 : 1, 2); return;
    case 'Day': case 'ZeroDay': f.day = digits(sc, std === 'ZeroDay' ? 2 : 1, 2); return;
    case 'UnderDay': if (s[sc.i] === ' ') sc.i++; f.day = digits(sc, 1, 2); return;
    case 'UnderYearDay': case 'ZeroYearDay': while (s[sc.i] === ' ') sc.i++; digits(sc, 1, 3); return;
    case 'Hour': f.hour = digits(sc, 2, 2); return;
    case 'Hour12': case 'ZeroHour12': f.hour = digits(sc, std === 'ZeroHour12' ? 2 : 1, 2); return;
    case 'Minute': case 'ZeroMinute': f.minute = digits(sc, std === 'ZeroMinute' ? 2 : 1, 2); return;
    case 'Second': case 'ZeroSecond': f.second = digits(sc, std === 'ZeroSecond' ? 2 : 1, 2); fraction(sc, f); return;
    case 'LongYear': f.year = digits(sc, 4, 4); return;
    case 'Year': { const v = digits(sc, 2, 2); f.year = v >= 69 ? 1900 + v : 2000 + v; return; }
    case 'PM': case 'pm': {
      const ap = s.slice(sc.i, sc.i + 2).toUpperCase();
      if (ap !== 'AM' && ap !== 'PM') throw new ParseFail();
      f.pm = ap === 'PM' ? 1 : 0;
      sc.i += 2;
      return;
    }
    case 'TZ': parseZoneName(sc, f); return;
    default: f.offset = parseOffset(sc, std);
  }
}

function parseZoneName(sc: Scan, f: Fields): void {
  if (sc.s.startsWith('UTC', sc.i)) {
    f.offset = 0;
    sc.i += 3;
    return;
  }
  const m = /^[A-Z]{3,5}/.exec(sc.s.slice(sc.i));
  if (!m) throw new ParseFail();
  sc.i += m[0].length; // Go fabricates a zero-offset zone for unknown abbreviations.
}

/** Parses `value` with Go layout `layout` in `zone` (time.ParseInLocation); null when it does not match. */
export function parseTime(layout: string, value: string, zone: string): GoTime | null {
  const f: Fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, ns: 0, pm: -1, offset: null };
  const sc: Scan = { s: value, i: 0 };
  try {
    for (const c of parseLayout(layout)) {
      if (typeof c === 'string') expect(sc, c);
      else if ('std' in c) parseStd(c.std, sc, f);
      else fraction(sc, f);
    }
  } catch (e) {
    if (e instanceof ParseFail) return null;
    throw e;
  }
  if (sc.i !== value.length) return null;
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
