// Go text/template behaviours (pkg.go.dev/text/template) as adapted by Higress's
// gjson_template: each row is template, JSON data, expected output.
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateExecError } from '../../../../servers/rest-to-mcp/template/index.js';

const render = (src: string, data: unknown = {}): string => parseTemplate(src, 't').render(data);

const DATA = {
  s: 'str',
  n: 42,
  f: 2.5,
  i: 2,
  t: true,
  z: 0,
  empty: '',
  nil: null,
  arr: [1, 2, 3, 4],
  none: [],
  obj: { b: 2, a: 1, c: 3 },
  nested: { list: [{ name: 'x', tags: ['p', 'q'] }, { name: 'y' }] },
  big: 123456789012,
  small: 1e-7,
  huge: 1e21,
  frac: 0.1,
};

describe('Go text/template behaviours', () => {
  it.each([
    ['trim markers both sides', '{{23 -}} < {{- 45}}', '23<45'],
    ['left trim eats newlines', 'a  \n {{- "b"}}', 'ab'],
    ['right trim eats newlines', '{{"a" -}}\n\t b', 'ab'],
    ['minus without space is a number', '{{-3}}', '-3'],
    ['comment', 'a{{/* note */}}b', 'ab'],
    ['trimmed comment', 'a {{- /* note */ -}} b', 'ab'],
    ['pipeline into printf', '{{"output" | printf "%q"}}', '"output"'],
    ['chained pipeline', '{{"output" | printf "%s" | printf "%q"}}', '"output"'],
    ['with declaration', '{{with $x := "output" | printf "%q"}}{{$x}}{{end}}', '"output"'],
    ['variable piped', '{{with $x := "output"}}{{$x | printf "%q"}}{{end}}', '"output"'],
    ['raw string keeps backslashes', '{{`a\\nb`}}', 'a\\nb'],
    ['char constant is an int', "{{'a'}} {{printf \"%c\" 'b'}}", '97 b'],
    ['hex, octal, underscores', '{{0x1F}} {{0o17}} {{017}} {{1_000}}', '31 15 15 1000'],
    ['float constant', '{{1.5}} {{2.0}} {{1e3}}', '1.5 2 1000'],
    ['bool and nil', '{{true}} {{print nil}}', 'true <nil>'],
    ['range over array', '{{range .arr}}{{.}},{{end}}', '1,2,3,4,'],
    ['range with index', '{{range $i, $v := .arr}}{{$i}}:{{$v}} {{end}}', '0:1 1:2 2:3 3:4 '],
    ['range over map in key order', '{{range $k, $v := .obj}}{{$k}}={{$v}};{{end}}', 'a=1;b=2;c=3;'],
    ['range one variable gets the element', '{{range $v := .obj}}{{$v}}{{end}}', '123'],
    ['range else on empty', '{{range .none}}x{{else}}empty{{end}}', 'empty'],
    ['range else on missing', '{{range .missing}}x{{else}}none{{end}}', 'none'],
    ['range over int', '{{range 3}}{{.}}{{end}}', '012'],
    ['break', '{{range .arr}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}', '12'],
    ['continue', '{{range .arr}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', '134'],
    ['$ is the root inside range', '{{range .nested.list}}{{$.s}}{{.name}} {{end}}', 'strx stry '],
    ['if/else if/else', '{{if .z}}a{{else if .empty}}b{{else if .t}}c{{else}}d{{end}}', 'c'],
    ['with sets dot', '{{with .obj}}{{.a}}{{end}}', '1'],
    ['with else', '{{with .missing}}x{{else}}none{{end}}', 'none'],
    ['else with', '{{with .missing}}A{{else with .s}}B={{.}}{{else}}C{{end}}', 'B=str'],
    ['variable shadowing in a block', '{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}', '21'],
    ['assignment reaches outer variable', '{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', '2'],
    ['range assignment form', '{{$i := 0}}{{$v := 0}}{{range $i, $v = .arr}}{{end}}{{$i}}/{{$v}}', '3/4'],
    ['parenthesised chain', '{{(index .nested.list 0).name}}', 'x'],
    ['field chain through array index', '{{.nested.list.0.tags.1}}', 'q'],
    ['variable field chain', '{{$l := .nested.list}}{{$l.1.name}}', 'y'],
    ['define and template', '{{define "T"}}Hi {{.}}{{end}}{{template "T" .s}}', 'Hi str'],
    ['block', '{{block "B" .obj}}[{{.a}}]{{end}}', '[1]'],
    ['template sees no outer variables but its own $', '{{define "T"}}{{$}}{{end}}{{$x := 5}}{{template "T" 7}}', '7'],
  ])('%s', (_name, src, want) => {
    expect(render(src, DATA)).toBe(want);
  });
});

describe('values render like gjson_template', () => {
  it.each([
    ['missing field is empty', '{{.nope}}|{{.obj.nope.deeper}}', '|'],
    ['field on a scalar is missing', '{{$i := 3}}{{$i.last}}|{{.s.x}}', '|'],
    ['null prints null', '{{.nil}}', 'null'],
    ['string unquoted', '{{.s}}', 'str'],
    ['integer without exponent', '{{.big}}', '123456789012'],
    ['float as shortest decimal', '{{.frac}} {{.f}}', '0.1 2.5'],
    ['tiny float in Go exponent form', '{{.small}}', '1e-07'],
    ['huge number in exponent form', '{{.huge}}', '1e+21'],
    ['object as JSON text', '{{.obj}}', '{"b":2,"a":1,"c":3}'],
    ['array as JSON text', '{{.arr}}', '[1,2,3,4]'],
    ['Go-built list prints the Go way', '{{list 1 "a" .obj.a}}', '[1 a 1]'],
    ['Go-built map prints sorted', '{{dict "b" 2 "a" 1}}', 'map[a:1 b:2]'],
    ['print on a dict', '{{print (dict "z" 1 "y" (list 1 2))}}', 'map[y:[1 2] z:1]'],
    ['print spacing follows fmt.Sprint', '{{print 1 2 "a" 3 "b" "c"}}', '1 2a3bc'],
    ['println always spaces', '{{println 1 "a"}}', '1 a\n'],
    ['print of JSON object is JSON text', '{{print .obj}}', '{"b":2,"a":1,"c":3}'],
  ])('%s', (_name, src, want) => {
    expect(render(src, DATA)).toBe(want);
  });
});

describe('builtin functions', () => {
  it.each([
    ['and returns first falsy', '{{and 1 0 2}}', '0'],
    ['and returns last when all true', '{{and 1 "x"}}', 'x'],
    ['or returns first truthy', '{{or "" .s}}', 'str'],
    ['and short-circuits', '{{and 0 (fail "boom")}}', '0'],
    ['or short-circuits', '{{or 1 (fail "boom")}}', '1'],
    ['not of missing', '{{not .missing}}', 'true'],
    ['len of string is bytes', '{{len "héllo"}}', '6'],
    ['len of array and object', '{{len .arr}} {{len .obj}}', '4 3'],
    ['len of missing is 0', '{{len .missing}}', '0'],
    ['index array and map', '{{index .arr 1}} {{index .obj "c"}}', '2 3'],
    ['index several levels', '{{index .nested "list" 0 "tags" 1}}', 'q'],
    ['index with one argument returns it', '{{index .s}}', 'str'],
    ['index of missing is missing', '{{index .missing 0}}', ''],
    ['slice a string', '{{slice "hello" 1 3}}', 'el'],
    ['slice an array', '{{slice .arr 1 3}}', '[2 3]'],
    ['eq with several arguments', '{{eq .s "a" "str" "c"}} {{eq .s "a" "b"}}', 'true false'],
    ['eq across int and float', '{{eq 2 2.0}} {{eq .i 2}}', 'true true'],
    ['lt across int and float', '{{lt .i .f}} {{gt .f 3}} {{le 2 2.0}} {{ge 1.5 2}}', 'true false true false'],
    ['ne', '{{ne .n 43}} {{ne .s "str"}}', 'true false'],
    ['string ordering', '{{lt "abc" "abd"}}', 'true'],
    ['eq number with numeric string (gjson_template)', '{{eq .n "42"}}', 'true'],
    ['html escaping', `{{html "<a href='x'>&\\"" }}`, '&lt;a href=&#39;x&#39;&gt;&amp;&#34;'],
    ['js escaping', `{{js "it's <b>=\\n"}}`, "it\\'s \\u003Cb\\u003E\\u003D\\u000A"],
    ['urlquery', '{{urlquery "a b&c=d/é"}}', 'a+b%26c%3Dd%2F%C3%A9'],
    ['gjson function', '{{gjson "nested.list.#.name"}}', '["x","y"]'],
    ['gjson relative to dot', '{{with .nested}}{{gjson "list.0.name"}}{{end}}', 'x'],
  ])('%s', (_name, src, want) => {
    expect(render(src, DATA)).toBe(want);
  });

  it.each([
    ['unknown at render (not supplied)', '{{getRealIP}}', /function "getRealIP" is not available/],
    ['fail', '{{fail "boom"}}', /error calling fail: boom/],
    ['wrong arg count', '{{upper "a" "b"}}', /wrong number of args for upper: want 1 got 2/],
    ['too few for variadic', '{{eq 1}}', /wrong number of args for eq: want at least 2 got 1/],
    ['index out of range', '{{index .arr 9}}', /index out of range: 9/],
    ['index array with a string', '{{index .arr "a"}}', /cannot index slice\/array with type string/],
    ['argument to a non-function', '{{.s 1}}', /can't give argument to non-function \.s/],
    ['range over bool', '{{range .t}}{{end}}', /range can't iterate over true/],
    ['nil is not a command', '{{nil}}', /nil is not a command/],
    ['undefined template', '{{template "nope"}}', /no such template "nope"/],
  ])('exec error: %s', (_name, src, re) => {
    let err: unknown;
    try {
      render(src, DATA);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateExecError);
    expect((err as Error).message).toMatch(re);
  });

  it('reports the template name, line and column of an exec error', () => {
    const tpl = parseTemplate('line one\n  {{ fail "x" }}', 'body');
    try {
      tpl.render({});
      expect.unreachable('render should fail');
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateExecError);
      const err = e as TemplateExecError;
      expect(err.templateName).toBe('body');
      expect(err.line).toBe(2);
      expect(err.column).toBe(6);
      expect(err.message).toBe('template: body:2:6: executing "body" at <fail>: error calling fail: x');
    }
  });
});

describe('extension functions', () => {
  it('calls per-render functions and passes arguments', () => {
    const tpl = parseTemplate('{{getRealIP}}|{{getSocketIP "x" 1}}');
    const out = tpl.render({}, { funcs: { getRealIP: () => '10.0.0.1', getSocketIP: (a, b) => `${String(a)}-${String(b)}` } });
    expect(out).toBe('10.0.0.1|x-1');
  });

  it('accepts extra names declared at parse time and rejects undeclared ones', () => {
    expect(() => parseTemplate('{{clientId}}')).toThrow(/function "clientId" not defined/);
    const tpl = parseTemplate('{{clientId | upper}}', 't', { knownFuncs: ['clientId'] });
    expect(tpl.render({}, { funcs: { clientId: () => 'abc' } })).toBe('ABC');
  });

  it('wraps an exception thrown by an extension', () => {
    const tpl = parseTemplate('{{getRealIP}}');
    expect(() => tpl.render({}, { funcs: { getRealIP: () => { throw new Error('no socket'); } } })).toThrow(TemplateExecError);
    expect(() => tpl.render({}, { funcs: { getRealIP: () => { throw 'raw'; } } })).toThrow(/error calling getRealIP: raw/);
  });

  it('does not mutate the caller data', () => {
    const data = { obj: { a: 1 } };
    const out = render('{{$m := set .obj "z" 9}}{{$m.z}}|{{.obj.z}}|{{$_ := unset .obj "a"}}{{.obj.a}}', data);
    expect(out).toBe('9||1');
    expect(data).toEqual({ obj: { a: 1 } });
  });
});
