// Sprig regex functions (masterminds.github.io/sprig/strings.html#regexmatch) with
// Go's regexp semantics. Templates are written for Go's RE2 engine, whose matching
// time is linear in the input; JavaScript's backtracking RegExp is exponential on
// patterns like `^(a+)+$` and would stall the event loop. So patterns compile with
// re2js (a port of Go's regexp): RE2 syntax, RE2 errors (no lookaround, no
// backreferences), leftmost-first matches. Compiled patterns are cached, so a
// template constant is compiled once per process.
import { RE2JS } from 're2js';
import { FuncError } from '../errors.js';
import { def, str, toInt64, type FuncTable } from '../funcs.js';
import { goList } from '../values.js';

/** A compiled pattern with Go's SubexpNames (index → name, '' for unnamed). */
interface GoRegexp {
  re: RE2JS;
  names: string[];
}

const cache = new Map<string, GoRegexp>();
const MAX_CACHE = 500;

/**
 * Go accepts a capture name used twice (`(?P<x>a)|(?P<x>b)`), re2js refuses it, so a
 * repeated name is renamed before compiling and mapped back in `names`. The scan skips
 * escapes, `\Q...\E` and character classes, where `(?P<` is not a group.
 */
function renameDuplicateGroups(pattern: string): { source: string; aliases: Map<string, string> } {
  const aliases = new Map<string, string>();
  const seen = new Set<string>();
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const skip = skipLiteral(pattern, i);
    if (skip > i) {
      out += pattern.slice(i, skip);
      i = skip;
      continue;
    }
    const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(pattern.slice(i, i + 300));
    if (named) {
      const original = named[1]!; // group 1 always participates
      let name = original;
      if (seen.has(name)) {
        const alias = `agate_dup${aliases.size}_${name}`;
        aliases.set(alias, name);
        name = alias;
      }
      seen.add(name);
      out += named[0].replace(original, name);
      i += named[0].length;
      continue;
    }
    out += pattern[i];
    i++;
  }
  return { source: out, aliases };
}

/** End of an escape, `\Q...\E` quote or character class starting at `i` (or `i` when none starts there). */
function skipLiteral(p: string, i: number): number {
  if (p[i] === '\\') {
    if (p[i + 1] !== 'Q') return i + 2;
    const end = p.indexOf('\\E', i + 2);
    return end < 0 ? p.length : end + 2;
  }
  if (p[i] !== '[') return i;
  let j = i + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  while (j < p.length && p[j] !== ']') {
    if (p[j] === '\\') j++;
    else if (p.startsWith('[:', j)) j = Math.max(j, p.indexOf(':]', j + 2) + 1);
    j++;
  }
  return j + 1;
}

/** Compiles (or fetches from cache) a Go regexp; a syntax error is Go's message, e.g. "error parsing regexp: ...". */
function compileGoRegex(pattern: string): GoRegexp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const { source, aliases } = renameDuplicateGroups(pattern);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    throw new FuncError((e as Error).message);
  }
  const names = new Array<string>(re.groupCount() + 1).fill('');
  for (const [name, index] of Object.entries(re.namedGroups())) names[index] = aliases.get(name) ?? name;
  const compiled = { re, names };
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/**
 * Go's FindAllStringSubmatchIndex: up to n (all when n < 0) successive matches, each as
 * [start, end, group1Start, group1End, ...] with -1 for a group that did not take part;
 * an empty match right after the previous match is not reported (regexp.go allMatches).
 */
/** Submatch offsets: [start, end] of the whole match, then a pair per group (-1 when it did not take part). */
type MatchIndex = [number, number, ...number[]];

function findAll(re: RE2JS, s: string, n: number): MatchIndex[] {
  if (n === 0) return [];
  return (re.re2().findAllSubmatchIndex(s, n < 0 ? s.length + 1 : n) as MatchIndex[] | null) ?? [];
}

/** One match of a pattern: the searched text, the submatch offsets and the pattern's group names. */
interface Match {
  readonly src: string;
  readonly names: string[];
  index: number[];
}

/** Go's Regexp.expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a malformed `$` stays literal. */
function expand(template: string, m: Match): string {
  let out = '';
  let rest = template;
  for (let d = rest.indexOf('$'); d >= 0; d = rest.indexOf('$')) {
    out += rest.slice(0, d);
    rest = rest.slice(d + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    // Longest run of letters, digits and '_' (Go's extract), optionally in braces.
    const ref = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = rest.slice(ref[0].length);
    out += groupText((ref[1] ?? ref[2])!, m); // exactly one alternative matched
  }
  return out + rest;
}

/** The text of group `name` (a number without leading zeros, or a name) in match `m`, '' when absent. */
function groupText(name: string, m: Match): string {
  const start = (i: number): number => m.index[2 * i] ?? -1;
  const at = (i: number): string => {
    const end = m.index[2 * i + 1];
    return end !== undefined && start(i) >= 0 ? m.src.slice(start(i), end) : '';
  };
  if (/^(?:0|[1-9][0-9]{0,8})$/.test(name)) return at(Number(name));
  for (const [i, n] of m.names.entries()) if (n === name && start(i) >= 0) return at(i);
  return '';
}

/** Go's ReplaceAllString, or ReplaceAllLiteralString when `literal` (the replacement is not expanded). */
function replaceAll(literal: boolean): (pattern: unknown, s: unknown, repl: unknown) => string {
  return (pattern, s, repl) => {
    const { re, names } = compileGoRegex(str(pattern));
    const src = str(s);
    const r = str(repl);
    const match: Match = { src, names, index: [] };
    let out = '';
    let last = 0;
    for (const m of findAll(re, src, -1)) {
      match.index = m;
      out += src.slice(last, m[0]) + (literal ? r : expand(r, match));
      last = m[1];
    }
    return out + src.slice(last);
  };
}

/** Go's Regexp.Split, including its handling of empty input and of empty matches. */
function split(pattern: unknown, s: unknown, n: unknown): string[] {
  const p = str(pattern);
  const { re } = compileGoRegex(p);
  const src = str(s);
  const limit = toInt64(n);
  if (limit === 0) return goList([]);
  if (p.length > 0 && src.length === 0) return goList(['']);
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, src, limit)) {
    if (limit > 0 && out.length === limit - 1) break;
    end = m[0];
    if (m[1] !== 0) out.push(src.slice(beg, end));
    beg = m[1];
  }
  if (end !== src.length) out.push(src.slice(beg));
  return goList(out);
}

const matchString = (p: unknown, s: unknown): boolean => compileGoRegex(str(p)).re.test(str(s));
const find = (p: unknown, s: unknown): string => {
  const src = str(s);
  const m = findAll(compileGoRegex(str(p)).re, src, 1)[0];
  return m ? src.slice(m[0], m[1]) : '';
};
const findAllStrings = (p: unknown, s: unknown, n: unknown): string[] => {
  const src = str(s);
  return goList(findAll(compileGoRegex(str(p)).re, src, toInt64(n)).map((m) => src.slice(m[0], m[1])));
};

/** Go's regexp.QuoteMeta. */
const quoteMeta = (s: unknown): string => str(s).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/**
 * Sprig's regex family. Sprig's plain variants use MustCompile (a bad pattern panics,
 * which text/template reports as an error calling the function) except regexMatch,
 * which answers false; the must* variants return the error. Both end as a template error here.
 */
export const REGEX_FUNCS: FuncTable = {
  regexMatch: def(2, 2, (p, s) => {
    try {
      return matchString(p, s);
    } catch {
      return false;
    }
  }),
  mustRegexMatch: def(2, 2, matchString),
  regexFind: def(2, 2, find),
  mustRegexFind: def(2, 2, find),
  regexFindAll: def(3, 3, findAllStrings),
  mustRegexFindAll: def(3, 3, findAllStrings),
  regexReplaceAll: def(3, 3, replaceAll(false)),
  mustRegexReplaceAll: def(3, 3, replaceAll(false)),
  regexReplaceAllLiteral: def(3, 3, replaceAll(true)),
  mustRegexReplaceAllLiteral: def(3, 3, replaceAll(true)),
  regexSplit: def(3, 3, split),
  mustRegexSplit: def(3, 3, split),
  regexQuoteMeta: def(1, 1, quoteMeta),
};
