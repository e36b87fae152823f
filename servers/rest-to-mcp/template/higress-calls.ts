// How gjson_template hands values to Sprig and takes them back (exec.go, evalFunction, the generic
// branch after the special-cased builtins), reproduced for `agate.mode: higress`:
// - in: null/missing → nil, booleans, numbers as `int` when integral else `float64`, strings as
//   strings, objects and arrays as their raw JSON text (a string);
// - out: by the Go function's declared result type: bool and ints as themselves, float64 through
//   `%f` (`2.500000`), strings as strings, anything else (slices, maps, time.Time, and every
//   `interface{}` result) through fmt.Sprint, i.e. as a string.
// So `{{.labels | join ","}}` joins nothing (strslice of a string is the string) and prints
// `["bug","ui"]`, and `{{list 1 2 | len}}`… counts the bytes of "[1 2]".
import { formatFloat, formatV } from './go-format.js';
import { jsonEncode } from './go-json.js';
import { JsonText, isIntNumber, sourceText } from './values.js';

/**
 * Functions gjson_template evaluates itself on gjson values instead of calling through reflection;
 * agate's builtins already follow those, so they keep receiving template values.
 */
const SPECIAL = new Set(['gjson', 'len', 'index', 'print', 'println', 'and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'html', 'js', 'urlquery', 'printf', 'sprintf']);

/** Sprig functions declared to return float64 (functions.go, numeric.go). */
const FLOAT_RESULTS = new Set(['addf', 'add1f', 'subf', 'mulf', 'divf', 'maxf', 'minf', 'floor', 'ceil', 'round', 'float64']);

/** Sprig functions declared to return interface{}: reflect sees an Interface, printed by fmt.Sprint. */
const INTERFACE_RESULTS = new Set([
  'default', 'coalesce', 'ternary', 'fromJson', 'mustFromJson', 'get', 'dig', 'first', 'mustFirst', 'last', 'mustLast',
  'slice', 'mustSlice', 'concat', 'merge', 'mustMerge', 'mergeOverwrite', 'mustMergeOverwrite', 'deepCopy', 'mustDeepCopy',
]);

/** Whether gjson_template passes this function's arguments through the Go conversion. */
export function callsLikeHigress(name: string): boolean {
  return !SPECIAL.has(name);
}

/** One argument as gjson_template converts a gjson.Result for reflection. */
export function higressArg(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof JsonText) return typeof v.value === 'object' && v.value !== null ? v.raw : v.value;
  if (typeof v !== 'object') return v;
  // Containers from the body are their source text; from `.args`/`.config` they were put in the
  // data by sjson, i.e. json.Marshal: sorted keys, HTML-escaped.
  return sourceText(v) ?? jsonEncode(v, { sortKeys: true, escapeHtml: true, keepRaw: true });
}

/** A function's result as gjson_template turns it back into a gjson value. */
export function higressResult(name: string, r: unknown): unknown {
  if (INTERFACE_RESULTS.has(name)) return typeof r === 'string' ? r : formatV(r instanceof JsonText ? r.raw : r);
  if (typeof r === 'boolean' || typeof r === 'string') return r;
  if (typeof r === 'number') {
    if (!FLOAT_RESULTS.has(name) && isIntNumber(r)) return r;
    const text = formatFloat(r, 'f', 6);
    return new JsonText(text, Number(text));
  }
  if (Buffer.isBuffer(r)) return r.toString('utf8');
  return formatV(r);
}
