// The function-table contract shared by builtins, Sprig and per-call extensions,
// plus the argument coercions Sprig relies on (cast.ToInt64, strval, strslice, ...).
import { FuncError } from './errors.js';
import { formatV, toText } from './go-format.js';
import { GoTime, JsonText, goTypeName, isMap, unwrap, withMembers } from './values.js';

/** A template function with its arity bounds (max = Infinity for variadic). */
export interface FuncDef {
  min: number;
  max: number;
  fn: (...args: unknown[]) => unknown;
}

/** Name → function table. */
export type FuncTable = Record<string, FuncDef>;

/** Declares a function with arity bounds. */
export function def(min: number, max: number, fn: (...args: unknown[]) => unknown): FuncDef {
  return { min, max, fn };
}

/** Largest collection or string a function may build, so templates stay bounded. */
const MAX_BUILD = 1_000_000;

/** Ensures a requested size is within MAX_BUILD. */
export function checkSize(n: number, what: string): number {
  if (!Number.isFinite(n) || n > MAX_BUILD) throw new FuncError(`${what}: size ${n} exceeds the limit of ${MAX_BUILD}`);
  return n;
}

/** Coerces a value for a `string` parameter (JSON values as their JSON text, null/missing as ""). */
export const str = (v: unknown): string => toText(v);

/** Go's fmt %v string form of a value (Sprig's strval). */
export function strval(v: unknown): string {
  // A number read from raw JSON keeps its text (formatV prints a JsonText raw).
  if (typeof v === 'string') return v;
  return formatV(v);
}

/** cast.ToInt64: numbers truncate, numeric strings parse (base prefixes allowed), bools 1/0, others 0. */
export function toInt64(v: unknown): number {
  const u = unwrap(v);
  if (typeof u === 'number') return Number.isFinite(u) ? Math.trunc(u) : 0;
  if (typeof u === 'boolean') return u ? 1 : 0;
  if (typeof u === 'string') {
    const s = u.replace(/\.0*$/, '');
    if (/^[+-]?\d+$/.test(s)) return Number(s);
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s, 16);
    return 0;
  }
  return 0;
}

/** cast.ToFloat64: numbers as-is, numeric strings parse, bools 1/0, others 0. */
export function toFloat64(v: unknown): number {
  const u = unwrap(v);
  if (typeof u === 'number') return u;
  if (typeof u === 'boolean') return u ? 1 : 0;
  if (typeof u === 'string' && u.trim() !== '' && !Number.isNaN(Number(u))) return Number(u);
  return 0;
}

/** A list parameter: arrays pass through, null/missing are empty, anything else is an error. */
export function toList(v: unknown, fname: string): unknown[] {
  const u = withMembers(unwrap(v));
  if (Array.isArray(u)) return u;
  if (u === null || u === undefined) return [];
  throw new FuncError(`Cannot ${fname} on type ${goTypeName(u)}`);
}

/** A map parameter: maps pass through, anything else is an error naming the function. */
export function toMap(v: unknown, fname: string): Record<string, unknown> {
  const u = withMembers(unwrap(v));
  if (isMap(u)) return u;
  throw new FuncError(`${fname}: expected a map, got ${goTypeName(u)}`);
}

/** Sprig's strslice: a list of strings from a list (nil entries dropped) or a single value. */
export function strslice(v: unknown): string[] {
  const u = unwrap(v);
  if (Array.isArray(u)) return u.filter((e) => e !== null && e !== undefined).map(strval);
  if (u === null || u === undefined) return [];
  return [strval(u)];
}

/** Sprig's `empty`: zero values, empty containers, null and missing. */
export function isEmpty(v: unknown): boolean {
  const u = unwrap(v);
  if (u === null || u === undefined) return true;
  if (typeof u === 'string') return u.length === 0;
  if (typeof u === 'number') return u === 0;
  if (typeof u === 'boolean') return !u;
  if (Array.isArray(u)) return u.length === 0;
  if (u instanceof GoTime || u instanceof JsonText) return false;
  return Object.keys(u).length === 0;
}
