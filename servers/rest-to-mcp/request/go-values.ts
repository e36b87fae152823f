// How Higress turns argument values into text: `convertArgToString` (fmt "%v" for scalars,
// json.Marshal for the rest) in rest_server.go. Go's json.Unmarshal gives float64 for every JSON
// number, so numbers print like Go floats unless the arg was coerced to an integer.
import { jsonEncode } from '../template/go-json.js';

/** An argument value coerced to a Go int (type: integer), printed in plain decimal. */
export class GoInt {
  constructor(readonly value: number) {}
  /** JSON form, so json.Marshal of a coerced arg prints the bare integer. */
  toJSON(): number {
    return this.value;
  }
}

/** Go `strconv.FormatFloat(f, 'g', -1, 64)`, which is what fmt "%v" prints for a float64. */
function goFloatString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  // Shortest formatting switches to exponent form below 1e-4 and from 1e21 in JS, but at 1e6 in Go.
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** Go `json.Marshal` of a decoded JSON value: map keys sorted, HTML characters and U+2028/9 escaped. */
export function goJsonMarshal(value: unknown): string {
  return jsonEncode(JSON.parse(JSON.stringify(value ?? null)), { sortKeys: true, escapeHtml: true });
}

/** Higress `convertArgToString`. */
export function goArgString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof GoInt) return String(Math.trunc(value.value));
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return goFloatString(value);
  return goJsonMarshal(value === undefined ? null : value);
}
