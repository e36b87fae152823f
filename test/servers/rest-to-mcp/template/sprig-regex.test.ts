// Sprig's regex functions with Go's regexp semantics (RE2 syntax, linear time).
// Expected values come from Go's own tables in src/regexp/all_test.go
// (replaceTests, replaceLiteralTests, splitTests) and from Sprig's regex.go
// (which function panics, which returns an error, which swallows it).
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateExecError } from '../../../../servers/rest-to-mcp/template/index.js';

/** Renders `{{fn .p .s ...}}` with pattern and input passed as data, so no template escaping gets in the way. */
function call(fn: string, data: Record<string, unknown>, extra = ''): string {
  return parseTemplate(`{{toJson (${fn} .p .s${extra})}}`).render(data);
}

/**
 * Checks a []string result; Go's nil slice (want null) is checked by its printed form `[]`,
 * since templates here have no nil slice distinct from an empty one.
 */
function expectList(fn: string, data: Record<string, unknown>, want: string[] | null): void {
  if (want === null) expect(parseTemplate(`{{${fn} .p .s .n}}`).render(data)).toBe('[]');
  else expect(JSON.parse(call(fn, data, ' .n'))).toEqual(want);
}

describe('regexReplaceAll follows Go ReplaceAllString (all_test.go replaceTests)', () => {
  it.each([
    ['a*', 'X', 'baaac', 'XbXcX'],
    ['', 'X', 'abc', 'XaXbXcX'],
    ['[a-c]*', 'x', 'def', 'xdxexfx'],
    ['[a-c]*', 'x', 'abcbcdcdedef', 'xdxdxexdxexfx'],
    ['^[a-c]*', 'x', 'dabce', 'xdabce'],
    ['[a-c]*$', 'x', 'dabce', 'dabcex'],
    ['a+', '(${0})$0', 'banana', 'b(a)an(a)an(a)a'],
    ['hello, (.+)', 'goodbye, $1x', 'hello, world', 'goodbye, '],
    ['hello, (.+)', 'goodbye, ${1}x', 'hello, world', 'goodbye, worldx'],
    ['hello, (.+)', '<$0><$1><$2><$3>', 'hello, world', '<hello, world><world><><>'],
    ['hello, (?P<noun>.+)', 'goodbye, $noun!', 'hello, world', 'goodbye, world!'],
    ['(?P<x>hi)|(?P<x>bye)', '$x$x$x', 'bye', 'byebyebye'],
    ['(?P<x>hi)|(?P<x>bye)', '$xyz', 'hi', ''],
    ['(?P<x>hi)|(?P<x>bye)', 'hello $$x', 'hi', 'hello $x'],
    ['a+', '${oops', 'aaa', '${oops'],
    ['a+', '$', 'aaa', '$'],
    ['(x)?', '$1', '123', '123'],
    ['(a)(b){0}(c)', '.$1|$3.', 'xacxacx', 'x.a|c.x.a|c.x'],
  ])('%j with %j on %j', (p, r, s, want) => {
    expect(JSON.parse(call('regexReplaceAll', { p, s, r }, ' .r'))).toBe(want);
    expect(JSON.parse(call('mustRegexReplaceAll', { p, s, r }, ' .r'))).toBe(want);
  });

  it.each([
    ['a+', '($0)', 'banana', 'b($0)n($0)n($0)'],
    ['(?P<x>hi)|(?P<x>bye)', '${x}yz', 'hi', '${x}yz'],
    ['a*', 'X', 'baaac', 'XbXcX'],
  ])('regexReplaceAllLiteral %j with %j on %j', (p, r, s, want) => {
    expect(JSON.parse(call('regexReplaceAllLiteral', { p, s, r }, ' .r'))).toBe(want);
    expect(JSON.parse(call('mustRegexReplaceAllLiteral', { p, s, r }, ' .r'))).toBe(want);
  });
});

describe('regexSplit follows Go Regexp.Split (all_test.go splitTests)', () => {
  it.each([
    ['foo:and:bar', ':', 2, ['foo', 'and:bar']],
    ['foo:and:bar', 'bar', -1, ['foo:and:', '']],
    ['baabaab', 'a', -1, ['b', '', 'b', '', 'b']],
    ['baabaab', 'a*', -1, ['b', 'b', 'b']],
    ['baabaab', 'ba*', -1, ['', '', '', '']],
    ['foobar', 'f*b*', -1, ['', 'o', 'o', 'a', 'r']],
    ['a,b,c,d,e,f', ',', 0, null],
    [',,,', ',', -1, ['', '', '', '']],
    ['', ',', -1, ['']],
    ['', '', -1, []],
    ['foobar', '', -1, ['f', 'o', 'o', 'b', 'a', 'r']],
    ['abaabaccadaaae', 'a*', 5, ['', 'b', 'b', 'c', 'cadaaae']],
    [':x:y:z:', ':', -1, ['', 'x', 'y', 'z', '']],
  ])('%j by %j (n=%d)', (s, p, n, want) => {
    expectList('regexSplit', { p, s, n }, want);
    expectList('mustRegexSplit', { p, s, n }, want);
  });
});

describe('regexFind / regexFindAll follow Go FindString / FindAllString', () => {
  it.each([
    // An empty match right after a previous match is not reported (regexp.go allMatches).
    ['a*', 'baaac', -1, ['', 'aaa', '']],
    ['a*', 'baaac', 2, ['', 'aaa']],
    ['[0-9]+', 'abc', -1, null],
    ['[0-9]+', 'a1b22', 0, null],
  ])('regexFindAll %j on %j (n=%d)', (p, s, n, want) => {
    expectList('regexFindAll', { p, s, n }, want);
    expectList('mustRegexFindAll', { p, s, n }, want);
  });

  it.each([
    ['(?U)a+', 'aaa', 'a'], // (?U) swaps greediness in RE2
    ['\\Q.+\\E', 'a.+b', '.+'], // \Q...\E quotes literally
    ['[[:^alpha:]]+', 'ab12cd', '12'],
    ['\\pL+', '12héllo3', 'héllo'],
    ['\\s', '\u00a0\u2003 ', ' '], // \s is ASCII whitespace only in RE2
    ['.', '😀x', '😀'], // a code point, not a UTF-16 unit
    ['x*', 'abc', ''],
  ])('regexFind %j on %j', (p, s, want) => {
    expect(JSON.parse(call('regexFind', { p, s }))).toBe(want);
    expect(JSON.parse(call('mustRegexFind', { p, s }))).toBe(want);
  });
});

describe('RE2 syntax: what Go refuses is a clear template error', () => {
  it.each([
    ['(a)\\1', /error parsing regexp: invalid escape sequence: `\\1`/],
    ['(?=a)', /error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`/],
    ['(?<!a)b', /error parsing regexp: invalid named capture: `\(\?<!a\)b`/],
    ['a{1001}', /error parsing regexp: invalid repeat count/],
    ['[', /error parsing regexp: missing closing \]/],
  ])('%j', (p, message) => {
    // Sprig: regexMatch swallows the error (false), must* return it, the others panic via MustCompile.
    expect(call('regexMatch', { p, s: 'aa' })).toBe('false');
    for (const fn of ['mustRegexMatch', 'regexFind', 'mustRegexFind']) {
      const err = (() => {
        try {
          call(fn, { p, s: 'aa' });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, fn).toBeInstanceOf(TemplateExecError);
      expect((err as Error).message).toMatch(new RegExp(`error calling ${fn}: `));
      expect((err as Error).message).toMatch(message);
    }
  });

  it('regexQuoteMeta matches Go QuoteMeta (all_test.go metaTests)', () => {
    const s = '!@#$%^&*()_+-=[{]}\\|,<.>/?~';
    expect(JSON.parse(parseTemplate('{{toJson (regexQuoteMeta .s)}}').render({ s }))).toBe('!@#\\$%\\^&\\*\\(\\)_\\+-=\\[\\{\\]\\}\\\\\\|,<\\.>/\\?~');
  });
});

describe('linear time', () => {
  it.each([
    ['regexMatch', ''],
    ['regexFindAll', ' -1'],
    ['regexReplaceAll', ' "x"'],
    ['regexSplit', ' -1'],
  ])('%s "^(a+)+$" on a hostile argument returns at once', (fn, extra) => {
    // 27 characters take seconds on a backtracking engine (31 took 40 s); 50 000 must stay fast on RE2.
    for (const s of ['a'.repeat(27) + '!', 'a'.repeat(50_000) + '!']) {
      const started = performance.now();
      parseTemplate(`{{${fn} .p .s${extra}}}`).render({ p: '^(a+)+$', s });
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});
