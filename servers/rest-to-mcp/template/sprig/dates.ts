// Sprig date functions (masterminds.github.io/sprig/date.html) with Go layouts.
// Like Sprig, a date argument may be a time or unix seconds (int); anything else
// means "now", and an unknown zone name falls back to UTC.
import { FuncError } from '../errors.js';
import { def, str, toInt64, type FuncTable } from '../funcs.js';
import { formatTime, inZone, nowTime } from '../go-time.js';
import { durationString, parseDuration, parseTime } from '../go-time-parse.js';
import { isValidZone } from '../go-zone.js';
import { GoTime, isIntNumber, unwrap } from '../values.js';

/** Interprets a Sprig date argument: GoTime as-is, an int as unix seconds, otherwise now. */
function toTime(v: unknown): GoTime {
  const u = unwrap(v);
  if (u instanceof GoTime) return u;
  if (typeof u === 'number' && isIntNumber(u)) return new GoTime(u * 1000, 'Local');
  return nowTime();
}

function dateInZone(layout: unknown, date: unknown, zone: unknown): string {
  const z = str(zone);
  const useZone = z === '' ? 'UTC' : isValidZone(z) ? z : 'UTC';
  return formatTime(inZone(toTime(date), useZone), str(layout));
}

function toDate(layout: unknown, value: unknown, must: boolean): GoTime {
  const t = parseTime(str(layout), str(value), 'Local');
  if (t) return t;
  if (must) throw new FuncError(`parsing time ${JSON.stringify(str(value))} as ${JSON.stringify(str(layout))}: cannot parse`);
  // Sprig returns Go's zero time on failure: 0001-01-01 00:00:00 UTC.
  return new GoTime(-62135596800000, 'UTC');
}

function dateModify(spec: unknown, date: unknown, must: boolean): GoTime {
  const t = toTime(date);
  const d = parseDuration(str(spec));
  if (d === null) {
    if (must) throw new FuncError(`time: invalid duration ${JSON.stringify(str(spec))}`);
    return t;
  }
  const totalNs = BigInt(t.extraNs) + d;
  const ms = t.ms + Number(totalNs / 1000000n);
  let extra = Number(totalNs % 1000000n);
  let adj = ms;
  if (extra < 0) {
    extra += 1000000;
    adj -= 1;
  }
  return new GoTime(adj, t.zone, extra);
}

/** Rounds a nanosecond duration to whole seconds, halves away from zero (Duration.Round). */
function roundToSecond(ns: bigint): bigint {
  const s = 1000000000n;
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const r = ((a + s / 2n) / s) * s;
  return neg ? -r : r;
}

function ago(date: unknown): string {
  const t = toTime(date);
  const now = nowTime();
  const ns = BigInt(now.ms - t.ms) * 1000000n + BigInt(now.extraNs - t.extraNs);
  return durationString(roundToSecond(ns));
}

function durationRound(v: unknown): string {
  const u = unwrap(v);
  let ns: bigint;
  if (typeof u === 'string') ns = parseDuration(u) ?? 0n;
  else if (u instanceof GoTime) ns = BigInt(Date.now() - u.ms) * 1000000n;
  else ns = BigInt(toInt64(u));
  const a = ns < 0n ? -ns : ns;
  const units: [bigint, string][] = [
    [31536000000000000n, 'y'], [2592000000000000n, 'mo'], [86400000000000n, 'd'], [3600000000000n, 'h'], [60000000000n, 'm'], [1000000000n, 's'],
  ];
  for (const [size, label] of units) if (a >= size) return `${a / size}${label}`;
  return '0s';
}

/** Sprig's date family. */
export const DATE_FUNCS: FuncTable = {
  now: def(0, 0, () => nowTime()),
  date: def(2, 2, (fmt, d) => dateInZone(fmt, d, 'Local')),
  dateInZone: def(3, 3, dateInZone),
  date_in_zone: def(3, 3, dateInZone),
  htmlDate: def(1, 1, (d) => dateInZone('2006-01-02', d, 'Local')),
  htmlDateInZone: def(2, 2, (d, z) => dateInZone('2006-01-02', d, z)),
  unixEpoch: def(1, 1, (d) => String(Math.floor(toTime(d).ms / 1000))),
  toDate: def(2, 2, (l, v) => toDate(l, v, false)),
  mustToDate: def(2, 2, (l, v) => toDate(l, v, true)),
  dateModify: def(2, 2, (s, d) => dateModify(s, d, false)),
  date_modify: def(2, 2, (s, d) => dateModify(s, d, false)),
  mustDateModify: def(2, 2, (s, d) => dateModify(s, d, true)),
  ago: def(1, 1, ago),
  duration: def(1, 1, (sec) => durationString(BigInt(toInt64(sec)) * 1000000000n)),
  durationRound: def(1, 1, durationRound),
};
