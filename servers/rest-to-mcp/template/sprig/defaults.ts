// Sprig defaults, JSON, type-inspection and flow functions
// (masterminds.github.io/sprig/defaults.html, .../reflection.html).
import { FuncError } from '../errors.js';
import { goEqual } from '../builtins.js';
import { def, isEmpty, str, type FuncTable } from '../funcs.js';
import { jsonEncode } from '../go-json.js';
import { GoTime, goList, goMap, goTypeName, isMap, isTrue, unwrap } from '../values.js';

/** Tags a parsed JSON value as Go data (fromJson returns Go maps/slices, which print the Go way). */
function asGo(v: unknown, depth = 0): unknown {
  if (depth > 1000) return v;
  if (Array.isArray(v)) return goList(v.map((e) => asGo(e, depth + 1)));
  if (isMap(v)) return goMap(Object.keys(v).map((k) => [k, asGo(v[k], depth + 1)]));
  return v;
}

function fromJson(s: unknown, must: boolean): unknown {
  try {
    return asGo(JSON.parse(str(s)) as unknown);
  } catch (e) {
    if (must) throw new FuncError((e as Error).message);
    return null;
  }
}

function toJson(v: unknown, opts: { escapeHtml: boolean; indent?: string }, must: boolean): string {
  try {
    return jsonEncode(unwrap(v), { sortKeys: true, ...opts });
  } catch (e) {
    if (must) throw e;
    return '';
  }
}

/** Go reflect.Kind names for kindOf/kindIs. */
function kindOf(v: unknown): string {
  const u = unwrap(v);
  if (u === null || u === undefined) return 'invalid';
  const t = goTypeName(u);
  if (t.startsWith('[]')) return 'slice';
  if (t.startsWith('map[')) return 'map';
  if (u instanceof GoTime) return 'struct';
  return t;
}

/** Sprig's defaults, JSON and reflection functions. */
export const DEFAULT_FUNCS: FuncTable = {
  default: def(1, Infinity, (d, ...given) => (given.length === 0 || isEmpty(given[0]) ? d : given[0])),
  empty: def(1, 1, (v) => isEmpty(v)),
  coalesce: def(0, Infinity, (...vs) => vs.find((v) => !isEmpty(v)) ?? null),
  all: def(0, Infinity, (...vs) => vs.every((v) => !isEmpty(v))),
  any: def(0, Infinity, (...vs) => vs.some((v) => !isEmpty(v))),
  ternary: def(3, 3, (vt, vf, cond) => (isTrue(cond) ? vt : vf)),
  fromJson: def(1, 1, (s) => fromJson(s, false)),
  mustFromJson: def(1, 1, (s) => fromJson(s, true)),
  toJson: def(1, 1, (v) => toJson(v, { escapeHtml: true }, false)),
  mustToJson: def(1, 1, (v) => toJson(v, { escapeHtml: true }, true)),
  toPrettyJson: def(1, 1, (v) => toJson(v, { escapeHtml: true, indent: '  ' }, false)),
  mustToPrettyJson: def(1, 1, (v) => toJson(v, { escapeHtml: true, indent: '  ' }, true)),
  toRawJson: def(1, 1, (v) => toJson(v, { escapeHtml: false }, false)),
  mustToRawJson: def(1, 1, (v) => toJson(v, { escapeHtml: false }, true)),
  fail: def(1, 1, (msg) => {
    throw new FuncError(str(msg));
  }),
  typeOf: def(1, 1, (v) => goTypeName(v)),
  typeIs: def(2, 2, (t, v) => str(t) === goTypeName(v)),
  typeIsLike: def(2, 2, (t, v) => str(t) === goTypeName(v) || str(t) === '*' + goTypeName(v)),
  kindOf: def(1, 1, kindOf),
  kindIs: def(2, 2, (k, v) => str(k) === kindOf(v)),
  deepEqual: def(2, 2, (a, b) => goEqual(a, b)),
};
