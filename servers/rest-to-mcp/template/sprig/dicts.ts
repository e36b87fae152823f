// Sprig dictionary functions (masterminds.github.io/sprig/dicts.html). Sprig mutates
// maps in place (set, unset, merge); here only maps built by templates are mutated,
// maps from the caller's JSON data are copied first so rendering never alters input.
import { def, str, strval, toMap, type FuncTable } from '../funcs.js';
import { getKey, goList, goMap, isGoValue, isMap, sortedKeys, unwrap } from '../values.js';

function writable(d: unknown, fname: string): Record<string, unknown> {
  const m = toMap(d, fname);
  return isGoValue(m) ? m : goMap(Object.entries(m));
}

function deepCopy(v: unknown, depth = 0): unknown {
  if (depth > 1000) return null;
  const u = unwrap(v);
  if (Array.isArray(u)) return goList(u.map((e) => deepCopy(e, depth + 1)));
  if (isMap(u)) return goMap(Object.keys(u).map((k) => [k, deepCopy(u[k], depth + 1)]));
  return u;
}

/**
 * mergo.Merge: fills keys missing (or empty) in dst from src, recursing into nested maps;
 * with `overwrite` (mergo.WithOverride) src wins for every key.
 */
function merger(overwrite: boolean): (dst: Record<string, unknown>, src: Record<string, unknown>) => void {
  const mergeInto = (dst: Record<string, unknown>, src: Record<string, unknown>, depth: number): void => {
    for (const k of Object.keys(src)) {
      const sv = src[k];
      const dv = getKey(dst, k);
      if (isMap(dv) && isMap(sv) && depth < 100) {
        const child = isGoValue(dv) ? dv : goMap(Object.entries(dv));
        mergeInto(child, sv, depth + 1);
        dst[k] = child;
      } else if (dv === undefined || dv === null || overwrite) {
        dst[k] = sv;
      }
    }
  };
  return (dst, src) => mergeInto(dst, src, 0);
}

const MERGERS = { fill: merger(false), overwrite: merger(true) };

function merge(overwrite: boolean, dst: unknown, ...srcs: unknown[]): Record<string, unknown> {
  const out = writable(dst, overwrite ? 'mergeOverwrite' : 'merge');
  const mergeInto = overwrite ? MERGERS.overwrite : MERGERS.fill;
  for (const s of srcs) mergeInto(out, toMap(s, 'merge'));
  return out;
}

function dig(...args: unknown[]): unknown {
  const dict = toMap(args[args.length - 1], 'dig');
  const dflt = args[args.length - 2];
  const keys = args.slice(0, -2).map(str);
  let cur: unknown = dict;
  for (const k of keys) {
    const u = unwrap(cur);
    if (!isMap(u)) return dflt;
    cur = getKey(u, k);
    if (cur === undefined) return dflt;
  }
  return cur;
}

/** Sprig's dict family. */
export const DICT_FUNCS: FuncTable = {
  dict: def(0, Infinity, (...kv) => {
    const m = goMap();
    for (let i = 0; i < kv.length; i += 2) m[strval(kv[i])] = i + 1 < kv.length ? unwrap(kv[i + 1]) : '';
    return m;
  }),
  get: def(2, 2, (d, k) => {
    const v = getKey(toMap(d, 'get'), str(k));
    return v === undefined ? '' : v;
  }),
  set: def(3, 3, (d, k, v) => {
    const m = writable(d, 'set');
    m[str(k)] = unwrap(v);
    return m;
  }),
  unset: def(2, 2, (d, k) => {
    const m = writable(d, 'unset');
    delete m[str(k)];
    return m;
  }),
  hasKey: def(2, 2, (d, k) => getKey(toMap(d, 'hasKey'), str(k)) !== undefined),
  keys: def(0, Infinity, (...ds) => goList(ds.flatMap((d) => sortedKeys(toMap(d, 'keys'))))),
  values: def(1, 1, (d) => {
    const m = toMap(d, 'values');
    return goList(sortedKeys(m).map((k) => m[k]));
  }),
  pluck: def(1, Infinity, (name, ...ds) => goList(ds.map((d) => getKey(toMap(d, 'pluck'), str(name))).filter((v) => v !== undefined))),
  pick: def(1, Infinity, (d, ...ks) => {
    const m = toMap(d, 'pick');
    return goMap(ks.map(str).filter((k) => getKey(m, k) !== undefined).map((k) => [k, m[k]]));
  }),
  omit: def(1, Infinity, (d, ...ks) => {
    const m = toMap(d, 'omit');
    const drop = new Set(ks.map(str));
    return goMap(Object.keys(m).filter((k) => !drop.has(k)).map((k) => [k, m[k]]));
  }),
  merge: def(1, Infinity, (dst, ...srcs) => merge(false, dst, ...srcs)),
  mergeOverwrite: def(1, Infinity, (dst, ...srcs) => merge(true, dst, ...srcs)),
  deepCopy: def(1, 1, (v) => deepCopy(v)),
  dig: def(3, Infinity, dig),
};
