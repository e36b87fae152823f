// Time-zone arithmetic via Intl: wall-clock fields, UTC offsets and abbreviations
// for an instant in an IANA zone, standing in for Go's time.Location.

/** A civil date and time of day, without a zone. */
export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock view of an instant in a zone. */
export interface WallClock extends WallTime {
  weekday: number; // 0 = Sunday
  offsetSeconds: number;
  abbrev: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_CACHED_ZONES = 500;

/** The process's local zone name, which Go's time.Local corresponds to. */
function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Resolves 'Local', '' and 'UTC' aliases to an IANA name usable with Intl. */
function resolveZone(zone: string): string {
  if (zone === 'Local') return localZoneName();
  if (zone === '' || zone === 'UTC') return 'UTC';
  return zone;
}

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  const key = resolveZone(zone);
  let f = formatters.get(key);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: key, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short', timeZoneName: 'short', era: 'short',
    });
  } catch {
    return null;
  }
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  formatters.set(key, f);
  return f;
}

/** Whether Go's time.LoadLocation would accept this name (approximated by Intl). */
export function isValidZone(zone: string): boolean {
  return formatterFor(zone) !== null;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Builds a UTC timestamp from fields, treating years 0-99 literally (Date.UTC would add 1900). */
export function utcMs(w: WallTime): number {
  const dt = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));
  dt.setUTCFullYear(w.year, w.month - 1, w.day);
  dt.setUTCHours(w.hour, w.minute, w.second, 0);
  return dt.getTime();
}

/** Converts Intl's "GMT+5:30" style name to Go's numeric abbreviation ("+0530", "+08"). */
function goAbbrev(name: string, offsetSeconds: number, zone: string): string {
  if (resolveZone(zone) === 'UTC') return 'UTC';
  if (!/^GMT[+-]/.test(name)) return name;
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

/** Wall-clock fields of instant `ms` in `zone` (falls back to UTC for unknown zones). */
export function wallClock(ms: number, zone: string): WallClock {
  const f = formatterFor(zone) ?? (formatterFor('UTC') as Intl.DateTimeFormat);
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const fields = {
    year, month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second),
  };
  const wallMs = utcMs(fields);
  const offsetSeconds = Math.round((wallMs - (ms - (((ms % 1000) + 1000) % 1000))) / 1000);
  return {
    ...fields, weekday: WEEKDAYS[parts.weekday ?? 'Sun'] ?? 0, offsetSeconds,
    abbrev: goAbbrev(parts.timeZoneName ?? '', offsetSeconds, zone),
  };
}

/** Instant (ms) whose wall clock in `zone` shows the given fields. */
export function instantFromWall(f: WallTime, zone: string): number {
  const wall = utcMs(f);
  let guess = wall - wallClock(wall, zone).offsetSeconds * 1000;
  // A second pass settles instants near DST transitions.
  guess = wall - wallClock(guess, zone).offsetSeconds * 1000;
  return guess;
}
