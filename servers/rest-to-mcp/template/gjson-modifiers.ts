// gjson `@modifiers` over JS values. Modifiers whose point is formatting (@pretty,
// @ugly, @tostr) return preformatted JSON text alongside the value.
import { jsonEncode, jsonQuote } from './go-json.js';
import { getKey, isMap, keepOrder, orderedKeys, withMembers } from './values.js';

/** A modifier result: the value plus, for formatting modifiers, its exact JSON text. */
export interface ModResult {
  ok: boolean;
  value: unknown;
  raw?: string;
}

type Modifier = (value: unknown, arg: string) => ModResult;

const ok = (value: unknown, raw?: string): ModResult => ({ ok: true, value, raw });
const NONE: ModResult = { ok: false, value: undefined };

function parseArg(arg: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(arg);
    return isMap(v) ? v : {};
  } catch {
    return {};
  }
}

interface PrettyOpts {
  indent: string;
  prefix: string;
  width: number;
  sortKeys: boolean;
}

/** tidwall/pretty layout: objects one member per line, arrays on one line when they fit `width`. */
function pretty(v: unknown, o: PrettyOpts, depth: number): string {
  if (depth > 1000) return 'null';
  withMembers(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const pad = o.indent.repeat(depth);
    const items = v.map((e) => pretty(e, o, depth + 1));
    const single = '[' + items.join(', ') + ']';
    if (!items.some((s) => s.includes('\n')) && pad.length + single.length <= o.width) return single;
    return '[\n' + items.map((s) => o.prefix + pad + o.indent + s).join(',\n') + '\n' + o.prefix + pad + ']';
  }
  if (isMap(v)) {
    const keys = o.sortKeys ? Object.keys(v).sort() : orderedKeys(v);
    if (keys.length === 0) return '{}';
    const pad = o.indent.repeat(depth);
    const lines = keys.map((k) => `${o.prefix}${pad}${o.indent}${jsonQuote(k, false)}: ${pretty(getKey(v, k), o, depth + 1)}`);
    return '{\n' + lines.join(',\n') + '\n' + o.prefix + pad + '}';
  }
  return jsonEncode(v, { sortKeys: false, escapeHtml: false, rawNumbers: true });
}

function modPretty(v: unknown, arg: string): ModResult {
  const a = parseArg(arg);
  const o: PrettyOpts = {
    indent: typeof a.indent === 'string' ? a.indent : '  ',
    prefix: typeof a.prefix === 'string' ? a.prefix : '',
    width: typeof a.width === 'number' ? a.width : 80,
    sortKeys: a.sortKeys === true,
  };
  return ok(o.sortKeys ? sortedCopy(v, 0) : v, o.prefix + pretty(v, o, 0) + '\n');
}

/** The value with every map's keys in sorted order, as `@pretty:{"sortKeys":true}` leaves its JSON. */
function sortedCopy(v: unknown, depth: number): unknown {
  if (depth > 1000) return v;
  if (Array.isArray(v)) return v.map((e) => sortedCopy(e, depth + 1));
  if (!isMap(v)) return v;
  const keys = Object.keys(v).sort();
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) out[k] = sortedCopy(v[k], depth + 1);
  return keepOrder(out, keys);
}

function reversed(v: Record<string, unknown>): Record<string, unknown> {
  const keys = [...orderedKeys(v)].reverse();
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) out[k] = v[k];
  return keepOrder(out, keys);
}

function flatten(arr: unknown[], deep: boolean, out: unknown[]): unknown[] {
  for (const e of arr) {
    if (Array.isArray(e)) {
      if (deep) flatten(e, deep, out);
      else out.push(...e);
    } else out.push(e);
  }
  return out;
}

function modJoin(v: unknown): ModResult {
  if (!Array.isArray(v)) return ok(v);
  const out = Object.create(null) as Record<string, unknown>;
  for (const e of v) {
    if (!isMap(e)) continue;
    for (const k of orderedKeys(e)) {
      // Re-insert so the latest duplicate takes the latest position, like gjson's non-preserve join.
      delete out[k];
      out[k] = e[k];
    }
  }
  return ok(out);
}

function modGroup(v: unknown): ModResult {
  if (!isMap(v)) return NONE;
  const rows: Record<string, unknown>[] = [];
  for (const k of orderedKeys(v)) {
    const col = v[k];
    if (!Array.isArray(col)) continue;
    col.forEach((cell, i) => {
      rows[i] ??= Object.create(null) as Record<string, unknown>;
      rows[i][k] = cell;
    });
  }
  return ok(rows.filter((r) => r !== undefined));
}

/** Collects, depth first, every value stored under `key` at any level of `v` (gjson's `..key` / @dig). */
function dig(v: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const walk = (node: unknown, level: number): void => {
    if (level > 1000) return;
    if (Array.isArray(node)) for (const e of node) walk(e, level + 1);
    else if (isMap(node)) {
      for (const k of orderedKeys(node)) {
        if (k === key) found.push(node[k]);
        walk(node[k], level + 1);
      }
    }
  };
  walk(v, 0);
  return found;
}

const MODIFIERS: Record<string, Modifier> = {
  this: (v) => ok(v),
  valid: (v) => ok(v),
  pretty: modPretty,
  ugly: (v) => ok(v, jsonEncode(v, { sortKeys: false, escapeHtml: false, rawNumbers: true })),
  reverse: (v) => {
    if (Array.isArray(v)) return ok([...v].reverse());
    if (isMap(v)) return ok(reversed(v));
    return ok(v);
  },
  flatten: (v, arg) => (Array.isArray(v) ? ok(flatten(v, parseArg(arg).deep === true, [])) : ok(v)),
  join: (v) => modJoin(v),
  keys: (v) => ok(isMap(v) ? [...orderedKeys(v)] : Array.isArray(v) ? v.map(() => null) : []),
  values: (v) => ok(isMap(v) ? orderedKeys(v).map((k) => v[k]) : Array.isArray(v) ? v : []),
  tostr: (v) => {
    const s = jsonEncode(v, { sortKeys: false, escapeHtml: false });
    return ok(s);
  },
  fromstr: (v) => {
    if (typeof v !== 'string') return NONE;
    try {
      return ok(JSON.parse(v));
    } catch {
      return NONE;
    }
  },
  group: (v) => modGroup(v),
  dig: (v, arg) => ok(dig(v, arg)),
};

/** Whether `name` is a known modifier. */
export function isModifier(name: string): boolean {
  return Object.hasOwn(MODIFIERS, name);
}

/** Applies modifier `name` with its argument text to a value. */
export function applyModifier(name: string, value: unknown, arg: string): ModResult {
  const mod = isModifier(name) ? MODIFIERS[name] : undefined;
  if (value === undefined || mod === undefined) return NONE;
  return mod(value, arg);
}
