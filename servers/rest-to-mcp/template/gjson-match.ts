// gjson query pieces: the `#(path op value)` parser, its comparison semantics
// (tidwall/gjson queryMatches, including the `~` truthiness operators) and the
// `%` glob matcher (tidwall/match: `*`, `?`, `\` escapes).
import { compareStrings, unwrap } from './values.js';

/** A parsed `#(...)` query. */
export interface Query {
  path: string;
  op: string; // '', '=', '!=', '<', '<=', '>', '>=', '%', '!%'
  value: string;
  all: boolean; // `#(...)#`
  end: number; // index just past the query (and its trailing '#') in the component
}

function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return s.slice(a, b);
}

/** Unescapes a gjson string value written inside a query (JSON escapes). */
function unescapeJson(s: string): string {
  try {
    return JSON.parse('"' + s + '"') as string;
  } catch {
    return s;
  }
}

/** Parses the query starting at `q[0] === '#'` (followed by '(' or '['); null when unbalanced. */
export function parseQuery(q: string): Query | null {
  let i = 2;
  let j = 0;
  let depth = 1;
  let vesc = false;
  for (; i < q.length; i++) {
    const c = q[i];
    if (depth === 1 && j === 0 && (c === '!' || c === '=' || c === '<' || c === '>' || c === '%')) {
      j = i;
      continue;
    }
    if (c === '\\') i++;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      if (--depth === 0) break;
    } else if (c === '"') {
      for (i++; i < q.length; i++) {
        if (q[i] === '\\') {
          vesc = true;
          i++;
        } else if (q[i] === '"') break;
      }
    }
  }
  if (depth > 0) return null;
  let path: string;
  let op = '';
  let value = '';
  if (j > 0) {
    path = trimWs(q.slice(2, j));
    value = trimWs(q.slice(j, i));
    [op, value] = splitOp(value);
    if (value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') {
      value = value.slice(1, -1);
      if (vesc) value = unescapeJson(value);
    }
  } else {
    path = trimWs(q.slice(2, i));
  }
  const all = q[i + 1] === '#';
  return { path, op, value, all, end: i + 1 + (all ? 1 : 0) };
}

function splitOp(v: string): [string, string] {
  let size = 1;
  let op: string;
  if (v.length === 1) op = v;
  else if (/^(!=|!%|<=|>=)/.test(v)) {
    size = 2;
    op = v.slice(0, 2);
  } else if (v.startsWith('==')) {
    v = v.slice(1);
    op = '=';
  } else op = v.slice(0, 1);
  return [op, trimWs(v.slice(size))];
}

/** Glob match with `*`, `?` and `\` escapes; greedy backtracking keeps it O(n·m). */
export function globMatch(str: string, pattern: string): boolean {
  const s = [...str];
  const p = [...pattern];
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starS = si;
      continue;
    }
    if (pi < p.length) {
      let pc = p[pi];
      let step = 1;
      if (pc === '\\' && pi + 1 < p.length) {
        pc = p[pi + 1];
        step = 2;
      } else if (pc === '?') {
        pi++;
        si++;
        continue;
      }
      if (pc === s[si]) {
        pi += step;
        si++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    si = ++starS;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

function parseBoolLoose(s: string): boolean | null {
  switch (s.toLowerCase()) {
    case '1': case 't': case 'true': return true;
    case '0': case 'f': case 'false': return false;
    default: return null;
  }
}

/** Applies the `~true/~false/~null/~*` conversions; returns [value, rhs]. */
function tilde(v: unknown, rhs: string): [unknown, string] {
  if (rhs[0] !== '~') return [v, rhs];
  const kind = rhs.slice(1);
  let ish: boolean;
  switch (kind) {
    case '*': ish = v !== undefined; break;
    case 'null': ish = v === null || v === undefined; break;
    case 'true':
      ish = v === true || (typeof v === 'number' && v !== 0) || (typeof v === 'string' && parseBoolLoose(v) === true);
      break;
    case 'false':
      ish = v === null || v === undefined || v === false || v === 0 || (typeof v === 'string' && parseBoolLoose(v) === false);
      break;
    default: return [undefined, ''];
  }
  return [ish, 'true'];
}

/** Whether a resolved value satisfies the query's operator and right-hand side. */
export function queryMatches(q: Query, value: unknown): boolean {
  const [v, rhs] = tilde(unwrap(value), q.value);
  if (v === undefined) return false;
  if (q.op === '') return true;
  if (typeof v === 'string') {
    const c = compareStrings(v, rhs);
    switch (q.op) {
      case '=': return c === 0;
      case '!=': return c !== 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      case '%': return globMatch(v, rhs);
      case '!%': return !globMatch(v, rhs);
      default: return false;
    }
  }
  if (typeof v === 'number') {
    const n = Number(rhs);
    const r = rhs.trim() === '' || Number.isNaN(n) ? 0 : n;
    switch (q.op) {
      case '=': return v === r;
      case '!=': return v !== r;
      case '<': return v < r;
      case '<=': return v <= r;
      case '>': return v > r;
      case '>=': return v >= r;
      default: return false;
    }
  }
  if (v === true) return q.op === '=' ? rhs === 'true' : q.op === '!=' ? rhs !== 'true' : q.op === '>' ? rhs === 'false' : q.op === '>=';
  if (v === false) return q.op === '=' ? rhs === 'false' : q.op === '!=' ? rhs !== 'false' : q.op === '<' ? rhs === 'true' : q.op === '<=';
  return false;
}
