// Sprig regex functions (masterminds.github.io/sprig/strings.html#regexmatch) on top
// of JS RegExp, translating the RE2 spellings templates use ((?i) flags, (?P<n>),
// \A, \z, POSIX classes) and Go's `$1`/`${name}` replacement syntax.
// Compiled patterns are cached, so a template constant is compiled once per process.
import { FuncError } from '../errors.js';
import { def, str, toInt64, type FuncTable } from '../funcs.js';
import { goList } from '../values.js';

const POSIX: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', lower: 'a-z',
  punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f', word: '\\w', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
};

const cache = new Map<string, RegExp>();
const MAX_CACHE = 500;

function translate(pattern: string): { source: string; flags: string } {
  let flags = '';
  let src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m: string, neg: string, name: string) => {
      const cls = POSIX[name];
      if (!cls) return m;
      return neg ? `^${cls}` : cls;
    });
  return { source: src, flags };
}

/** Compiles (or fetches from cache) a Go regexp as a global JS RegExp. */
function compileGoRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const { source, flags } = translate(pattern);
  let re: RegExp;
  try {
    re = new RegExp(source, flags + 'gu');
  } catch {
    try {
      re = new RegExp(source, flags + 'g');
    } catch (e) {
      throw new FuncError(`error parsing regexp: ${(e as Error).message}`);
    }
  }
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Expands Go's `$1`, `${1}`, `$name`, `${name}` and `$$` in a replacement template. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, _x, braced?: string, bare?: string) => {
    if (braced === undefined && bare === undefined) return '$';
    const name = (braced ?? bare) as string;
    const v = /^\d+$/.test(name) ? m[Number(name)] : m.groups?.[name];
    return v ?? '';
  });
}

function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m && (n < 0 || out.length < n); m = re.exec(s)) {
    out.push(m);
    if (m[0] === '') re.lastIndex++;
  }
  re.lastIndex = 0;
  return out;
}

function replaceAll(pattern: unknown, s: unknown, repl: unknown, literal: boolean): string {
  const re = compileGoRegex(str(pattern));
  const src = str(s);
  const r = str(repl);
  let out = '';
  let last = 0;
  for (const m of findAll(re, src, -1)) {
    out += src.slice(last, m.index) + (literal ? r : expand(r, m));
    last = m.index + m[0].length;
  }
  return out + src.slice(last);
}

function split(pattern: unknown, s: unknown, n: unknown): string[] {
  const re = compileGoRegex(str(pattern));
  const src = str(s);
  const limit = toInt64(n);
  if (limit === 0) return goList([]);
  const out: string[] = [];
  let last = 0;
  for (const m of findAll(re, src, -1)) {
    if (limit > 0 && out.length === limit - 1) break;
    if (m[0] === '' && m.index === 0) continue;
    out.push(src.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(src.slice(last));
  return goList(out);
}

/** Sprig's regex family. */
export const REGEX_FUNCS: FuncTable = {
  regexMatch: def(2, 2, (p, s) => {
    try {
      return findAll(compileGoRegex(str(p)), str(s), 1).length > 0;
    } catch {
      return false;
    }
  }),
  mustRegexMatch: def(2, 2, (p, s) => findAll(compileGoRegex(str(p)), str(s), 1).length > 0),
  regexFind: def(2, 2, (p, s) => findAll(compileGoRegex(str(p)), str(s), 1)[0]?.[0] ?? ''),
  regexFindAll: def(3, 3, (p, s, n) => goList(findAll(compileGoRegex(str(p)), str(s), toInt64(n)).map((m) => m[0]))),
  regexReplaceAll: def(3, 3, (p, s, r) => replaceAll(p, s, r, false)),
  regexReplaceAllLiteral: def(3, 3, (p, s, r) => replaceAll(p, s, r, true)),
  regexSplit: def(3, 3, split),
  regexQuoteMeta: def(1, 1, (s) => str(s).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
};
