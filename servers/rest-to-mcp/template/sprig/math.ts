// Sprig math functions (masterminds.github.io/sprig/math.html). Integer functions
// coerce with cast.ToInt64 and truncate like Go int64 arithmetic; the *f variants
// work in float64.
import { FuncError } from '../errors.js';
import { checkSize, def, str, toFloat64, toInt64, type FuncTable } from '../funcs.js';
import { goList } from '../values.js';

function intDiv(a: unknown, b: unknown, op: 'div' | 'mod'): number {
  const d = toInt64(b);
  if (d === 0) throw new FuncError('runtime error: integer divide by zero');
  const n = toInt64(a);
  return op === 'div' ? Math.trunc(n / d) : n % d;
}

/** Sprig's round: half-up at `roundOn` (default .5) after scaling by 10^precision. */
function round(a: unknown, p: unknown, ...rOpt: unknown[]): number {
  const roundOn = rOpt.length > 0 ? toFloat64(rOpt[0]) : 0.5;
  const pow = Math.pow(10, toInt64(p));
  const digit = pow * toFloat64(a);
  const frac = digit - Math.trunc(digit);
  const r = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

function until(start: number, stop: number, step: number): number[] {
  if (step === 0 || (stop - start) / step < 0) return goList([]);
  checkSize(Math.ceil((stop - start) / step), 'untilStep');
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return goList(out);
}

/** `seq` like GNU seq: 1, 2 or 3 arguments (last, first last, first step last). */
function seq(...params: unknown[]): string {
  const n = params.map(toInt64);
  // def(1, 3, seq) guarantees 1..3 arguments, so the defaults below are never used.
  const [a = 0, b = 0, c = 0] = n;
  let [first, step, last] = [1, 1, 0];
  if (n.length === 1) last = a;
  else if (n.length === 2) [first, last] = [a, b];
  else [first, step, last] = [a, b, c];
  if (step === 0) return '';
  if (first > last && n.length < 3) step = -1;
  const count = Math.floor((last - first) / step) + 1;
  if (count <= 0) return '';
  checkSize(count, 'seq');
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(first + k * step);
  return out.join(' ');
}

function extreme(nums: number[], pick: (a: number, b: number) => number): number {
  return nums.reduce((acc, n) => pick(acc, n));
}

/** Sprig's math family. */
export const MATH_FUNCS: FuncTable = {
  add: def(0, Infinity, (...a) => a.reduce<number>((s, x) => s + toInt64(x), 0)),
  add1: def(1, 1, (a) => toInt64(a) + 1),
  sub: def(2, 2, (a, b) => toInt64(a) - toInt64(b)),
  mul: def(1, Infinity, (a, ...r) => r.reduce<number>((p, x) => p * toInt64(x), toInt64(a))),
  div: def(2, 2, (a, b) => intDiv(a, b, 'div')),
  mod: def(2, 2, (a, b) => intDiv(a, b, 'mod')),
  max: def(1, Infinity, (...a) => extreme(a.map(toInt64), Math.max)),
  min: def(1, Infinity, (...a) => extreme(a.map(toInt64), Math.min)),
  biggest: def(1, Infinity, (...a) => extreme(a.map(toInt64), Math.max)),
  addf: def(0, Infinity, (...a) => a.reduce<number>((s, x) => s + toFloat64(x), 0)),
  add1f: def(1, 1, (a) => toFloat64(a) + 1),
  subf: def(1, Infinity, (a, ...r) => r.reduce<number>((s, x) => s - toFloat64(x), toFloat64(a))),
  mulf: def(1, Infinity, (a, ...r) => r.reduce<number>((p, x) => p * toFloat64(x), toFloat64(a))),
  divf: def(1, Infinity, (a, ...r) => r.reduce<number>((q, x) => {
    const d = toFloat64(x);
    if (d === 0) throw new FuncError('division by zero');
    return q / d;
  }, toFloat64(a))),
  maxf: def(1, Infinity, (...a) => extreme(a.map(toFloat64), Math.max)),
  minf: def(1, Infinity, (...a) => extreme(a.map(toFloat64), Math.min)),
  floor: def(1, 1, (a) => Math.floor(toFloat64(a))),
  ceil: def(1, 1, (a) => Math.ceil(toFloat64(a))),
  round: def(2, 3, round),
  int: def(1, 1, toInt64),
  int64: def(1, 1, toInt64),
  float64: def(1, 1, toFloat64),
  atoi: def(1, 1, (s) => (/^[+-]?\d+$/.test(str(s)) ? Number(str(s)) : 0)),
  toDecimal: def(1, 1, (s) => (/^[+-]?[0-7]+$/.test(str(s)) ? parseInt(str(s), 8) : 0)),
  until: def(1, 1, (n) => until(0, toInt64(n), toInt64(n) >= 0 ? 1 : -1)),
  untilStep: def(3, 3, (a, b, c) => until(toInt64(a), toInt64(b), toInt64(c))),
  seq: def(1, 3, seq),
};
