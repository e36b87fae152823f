// JSON encoding as Go's encoding/json does it for interface{} values: map keys
// sorted, optional HTML escaping (<, >, & → \u003c...), U+2028/2029 escaped, and
// times as RFC 3339. Also used (unsorted, unescaped) to print JSON-sourced containers.
import { FuncError } from './errors.js';
import { timeJson } from './go-time.js';
import { GoTime, JsonText, getKey, isMap, orderedKeys, sortedKeys, sourceText, withMembers } from './values.js';

/** Options for {@link jsonEncode}. */
export interface JsonEncodeOptions {
  /** Sort object keys (Go maps always marshal sorted). */
  sortKeys: boolean;
  /** Escape <, > and & as Go's json.Marshal does. */
  escapeHtml: boolean;
  /** Indent unit for pretty output (json.MarshalIndent); none when absent. */
  indent?: string;
  /** Write values read from raw JSON as their source text, as gjson does when it builds JSON. */
  keepRaw?: boolean;
  /** Write only numbers read from raw JSON as their source text (gjson's @ugly and @pretty). */
  rawNumbers?: boolean;
}

/** Maximum nesting accepted, so cyclic or hostile values fail cleanly. */
const MAX_DEPTH = 1000;

const SHORT_ESCAPES: Readonly<Record<number, string>> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/** Quotes a string as a JSON string literal using Go's escaping rules. */
export function jsonQuote(s: string, escapeHtml: boolean): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 0x20) {
      // Go 1.22 and later (Higress builds with 1.24) write \b and \f short, as JSON.stringify does.
      esc = SHORT_ESCAPES[c] ?? '\\u00' + c.toString(16).padStart(2, '0');
    } else if (c === 34) esc = '\\"';
    else if (c === 92) esc = '\\\\';
    else if (escapeHtml && (c === 60 || c === 62 || c === 38)) esc = '\\u00' + c.toString(16);
    else if (c === 0x2028 || c === 0x2029) esc = '\\u' + c.toString(16);
    else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) {
        i++;
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc !== null) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new FuncError(`json: unsupported value: ${n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN'}`);
  return Object.is(n, -0) ? '-0' : String(n);
}

/** One encoding run: its options and where the recursion stands (Go's encodeState). */
interface EncodeState {
  readonly opts: JsonEncodeOptions;
  depth: number;
  prefix: string; // indentation of the current container's closing bracket
}

/** Encodes `items` one level deeper, each on its own indented line when indenting. */
function nested<T>(st: EncodeState, items: readonly T[], one: (item: T) => string): string[] {
  const outer = st.prefix;
  const inner = st.opts.indent === undefined ? '' : outer + st.opts.indent;
  st.depth++;
  st.prefix = inner;
  const out = items.map((item) => inner + one(item));
  st.depth--;
  st.prefix = outer;
  return out;
}

function encode(v: unknown, st: EncodeState): string {
  const { opts } = st;
  if (st.depth > MAX_DEPTH) throw new FuncError('json: value nested too deeply');
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return jsonQuote(v, opts.escapeHtml);
    case 'number': return encodeNumber(v);
    case 'boolean': return v ? 'true' : 'false';
    default: break;
  }
  if (v instanceof JsonText) {
    const rawNumber = opts.rawNumbers === true && typeof v.value === 'number';
    return opts.keepRaw === true || rawNumber ? v.raw : encode(v.value, st);
  }
  if (v instanceof GoTime) return jsonQuote(timeJson(v), opts.escapeHtml);
  const raw = opts.keepRaw === true ? sourceText(v) : undefined;
  if (raw !== undefined) return raw;
  withMembers(v);
  const nl = opts.indent === undefined ? '' : '\n';
  const close = nl + (nl ? st.prefix : '');
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + nl + nested(st, v, (e) => encode(e, st)).join(',' + nl) + close + ']';
  }
  if (isMap(v)) {
    const keys = opts.sortKeys ? sortedKeys(v) : orderedKeys(v);
    if (keys.length === 0) return '{}';
    const sep = opts.indent === undefined ? ':' : ': ';
    const items = nested(st, keys, (k) => jsonQuote(k, opts.escapeHtml) + sep + encode(getKey(v, k), st));
    return '{' + nl + items.join(',' + nl) + close + '}';
  }
  return jsonQuote(String(v), opts.escapeHtml);
}

/** Encodes a value as JSON text; throws FuncError for NaN/Inf or excessive nesting. */
export function jsonEncode(v: unknown, opts: JsonEncodeOptions): string {
  return encode(v, { opts, depth: 0, prefix: '' });
}
