// Go reference-time layouts ("2006-01-02 15:04:05") for formatting and parsing,
// following the chunk rules of Go's time/format.go (nextStdChunk).
import { GoTime } from './values.js';
import { instantFromWall, utcMs, wallClock, type WallClock } from './go-zone.js';

type Std =
  | 'LongMonth' | 'Month' | 'NumMonth' | 'ZeroMonth' | 'LongWeekDay' | 'WeekDay' | 'Day' | 'UnderDay'
  | 'ZeroDay' | 'UnderYearDay' | 'ZeroYearDay' | 'Hour' | 'Hour12' | 'ZeroHour12' | 'Minute'
  | 'ZeroMinute' | 'Second' | 'ZeroSecond' | 'LongYear' | 'Year' | 'PM' | 'pm' | 'TZ'
  | 'ISO8601TZ' | 'ISO8601SecondsTZ' | 'ISO8601ShortTZ' | 'ISO8601ColonTZ' | 'ISO8601ColonSecondsTZ'
  | 'NumTZ' | 'NumSecondsTz' | 'NumShortTZ' | 'NumColonTZ' | 'NumColonSecondsTZ';

/** A layout piece: literal text, a standard field, or fractional seconds. */
/** A fractional-seconds element: `frac` digits after `sep`, trailing zeros trimmed when `trim` (layout 9s). */
type FracChunk = { frac: number; trim: boolean; sep: string };

export type Chunk = string | { std: Std } | FracChunk;

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const STD0X: Std[] = ['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'];

/** Whether `s[i]` is an ASCII digit; false past the end (charCodeAt gives NaN there). */
export function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

// wallClock yields month 1..12 and weekday 0..6, so these lookups are always in range.
function monthName(month: number): string {
  return LONG_MONTHS[month - 1]!;
}

function dayName(weekday: number): string {
  return LONG_DAYS[weekday]!;
}
const TZ_PREFIXED: [string, Std][] = [
  ['070000', 'NumSecondsTz'], ['07:00:00', 'NumColonSecondsTZ'], ['0700', 'NumTZ'], ['07:00', 'NumColonTZ'], ['07', 'NumShortTZ'],
];

/** Finds the standard chunk starting at `i`, returning it and its length, or null. */
function stdAt(l: string, i: number): [Chunk, number] | null {
  const c = l[i];
  const has = (s: string): boolean => l.startsWith(s, i);
  switch (c) {
    case 'J': if (has('January')) return [{ std: 'LongMonth' }, 7]; if (has('Jan')) return [{ std: 'Month' }, 3]; return null;
    case 'M':
      if (has('Monday')) return [{ std: 'LongWeekDay' }, 6];
      if (has('Mon')) return [{ std: 'WeekDay' }, 3];
      if (has('MST')) return [{ std: 'TZ' }, 3];
      return null;
    case '0': {
      const d = l.charCodeAt(i + 1) - 48;
      if (d >= 1 && d <= 6) return [{ std: STD0X[d - 1]! }, 2]; // STD0X has exactly six entries
      if (has('002')) return [{ std: 'ZeroYearDay' }, 3];
      return null;
    }
    case '1': return has('15') ? [{ std: 'Hour' }, 2] : [{ std: 'NumMonth' }, 1];
    case '2': return has('2006') ? [{ std: 'LongYear' }, 4] : [{ std: 'Day' }, 1];
    case '_':
      if (has('_2006')) return null; // literal "_" then the year, handled by the next position
      if (has('__2')) return [{ std: 'UnderYearDay' }, 3];
      if (has('_2')) return [{ std: 'UnderDay' }, 2];
      return null;
    case '3': return [{ std: 'Hour12' }, 1];
    case '4': return [{ std: 'Minute' }, 1];
    case '5': return [{ std: 'Second' }, 1];
    case 'P': return has('PM') ? [{ std: 'PM' }, 2] : null;
    case 'p': return has('pm') ? [{ std: 'pm' }, 2] : null;
    case '-': case 'Z': {
      for (const [suffix, std] of TZ_PREFIXED) {
        if (l.startsWith(suffix, i + 1)) {
          const iso = c === 'Z' ? (std.replace('Num', 'ISO8601').replace('Tz', 'TZ') as Std) : std;
          return [{ std: iso }, suffix.length + 1];
        }
      }
      return null;
    }
    case '.': case ',': {
      const d = l[i + 1];
      if (d !== '0' && d !== '9') return null;
      let j = i + 1;
      while (l[j] === d) j++;
      if (isDigitAt(l, j)) return null;
      return [{ frac: j - i - 1, trim: d === '9', sep: c }, j - i];
    }
    default: return null;
  }
}

const layoutCache = new Map<string, Chunk[]>();

/** Splits a Go layout into chunks (cached: layouts are usually template constants). */
export function parseLayout(layout: string): Chunk[] {
  const hit = layoutCache.get(layout);
  if (hit) return hit;
  const out: Chunk[] = [];
  let lit = '';
  for (let i = 0; i < layout.length;) {
    const m = stdAt(layout, i);
    if (!m) {
      lit += layout[i++];
      continue;
    }
    if (lit) out.push(lit);
    lit = '';
    out.push(m[0]);
    i += m[1];
  }
  if (lit) out.push(lit);
  if (layoutCache.size > 1000) layoutCache.clear();
  layoutCache.set(layout, out);
  return out;
}

const pad = (n: number, w: number, ch = '0'): string => String(n).padStart(w, ch);

function yearDay(w: WallClock): number {
  const midnight = { year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 };
  return (utcMs(midnight) - utcMs({ ...midnight, month: 1, day: 1 })) / 86400000 + 1;
}

function formatOffset(off: number, std: Std): string {
  if (std.startsWith('ISO') && off === 0) return 'Z';
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor((abs % 3600) / 60), 2);
  const ss = pad(abs % 60, 2);
  const colon = std.includes('Colon');
  if (std.endsWith('ShortTZ')) return sign + hh;
  let s = sign + hh + (colon ? ':' : '') + mm;
  if (std.includes('Seconds')) s += (colon ? ':' : '') + ss;
  return s;
}

function formatStd(std: Std, w: WallClock): string {
  switch (std) {
    case 'LongMonth': return monthName(w.month);
    case 'Month': return monthName(w.month).slice(0, 3);
    case 'NumMonth': return String(w.month);
    case 'ZeroMonth': return pad(w.month, 2);
    case 'LongWeekDay': return dayName(w.weekday);
    case 'WeekDay': return dayName(w.weekday).slice(0, 3);
    case 'Day': return String(w.day);
    case 'UnderDay': return pad(w.day, 2, ' ');
    case 'ZeroDay': return pad(w.day, 2);
    case 'UnderYearDay': return pad(yearDay(w), 3, ' ');
    case 'ZeroYearDay': return pad(yearDay(w), 3);
    case 'Hour': return pad(w.hour, 2);
    case 'Hour12': return String(w.hour % 12 === 0 ? 12 : w.hour % 12);
    case 'ZeroHour12': return pad(w.hour % 12 === 0 ? 12 : w.hour % 12, 2);
    case 'Minute': return String(w.minute);
    case 'ZeroMinute': return pad(w.minute, 2);
    case 'Second': return String(w.second);
    case 'ZeroSecond': return pad(w.second, 2);
    case 'LongYear': return w.year < 0 ? '-' + pad(-w.year, 4) : pad(w.year, 4);
    case 'Year': return pad(((w.year % 100) + 100) % 100, 2);
    case 'PM': return w.hour >= 12 ? 'PM' : 'AM';
    case 'pm': return w.hour >= 12 ? 'pm' : 'am';
    case 'TZ': return w.abbrev || formatOffset(w.offsetSeconds, 'NumTZ');
    default: return formatOffset(w.offsetSeconds, std);
  }
}

/** Nanoseconds within the second of a GoTime. */
function nanos(t: GoTime): number {
  return (((t.ms % 1000) + 1000) % 1000) * 1e6 + t.extraNs;
}

/** Formats a time with a Go layout, like time.Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const w = wallClock(t.ms, t.zone);
  let out = '';
  for (const c of parseLayout(layout)) {
    if (typeof c === 'string') out += c;
    else if ('std' in c) out += formatStd(c.std, w);
    else out += formatFrac(nanos(t), c);
  }
  return out;
}

function formatFrac(ns: number, c: FracChunk): string {
  let s = pad(ns, 9).slice(0, Math.min(c.frac, 9));
  if (c.trim) s = s.replace(/0+$/, '');
  return s === '' ? '' : c.sep + s;
}

/** Go's time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
export function timeString(t: GoTime): string {
  return formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
}

/** RFC 3339 with nanoseconds, the JSON form of a Go time. */
export function timeJson(t: GoTime): string {
  return formatTime(t, '2006-01-02T15:04:05.999999999Z07:00');
}

/** The current instant in the local zone, like time.Now(). */
export function nowTime(): GoTime {
  const hr = performance.timeOrigin + performance.now();
  const ms = Math.floor(hr);
  return new GoTime(ms, 'Local', Math.floor((hr - ms) * 1e6) % 1e6);
}

/** Converts a Go time to another zone (same instant). */
export function inZone(t: GoTime, zone: string): GoTime {
  return new GoTime(t.ms, zone, t.extraNs);
}

export { instantFromWall };
