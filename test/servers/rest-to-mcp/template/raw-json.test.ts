// Templates over an upstream's raw JSON bytes, as Higress renders them: gjson_template evaluates
// every path on the raw text and prints what it finds as sent (exec.go printValue: Raw for numbers
// and containers). Expected values come from Higress's own tests and code, never from agate:
// - higress-group/gjson_template gjson_test.go, `gjsonExecTests` (TestGjsonExecute): every case,
//   with its JSON data verbatim (tabs and all);
// - tidwall/gjson gjson_test.go: TestPlus53BitInts, TestNumUint64String, TestNumInt64String,
//   TestNumBigString, TestDuplicateKeys, TestModifier, TestArrayCountRawOutput, TestForEach;
// - higress plugins/wasm-go/pkg/mcp/server/rest_server_test.go, TestRestToolConfig (its sample body
//   has a trailing comma, which gjson reads leniently);
// - the differences the issue lists (#18), each derived from gjson_template's exec.go in a comment.
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateExecError } from '../../../../servers/rest-to-mcp/template/index.js';

type Mode = 'strict' | 'higress';

/** Renders `src` over the raw body the way the response path does. */
function renderBody(src: string, body: string, mode: Mode = 'higress'): string {
  return parseTemplate(src, 'response', { mode }).renderJson(body);
}

const BASE = `{
	"String": "hello",
	"Number": 42,
	"Bool": true,
	"Array": [1, 2, 3],
	"Object": {"Name": "test", "Value": 123},
	"Nested": {"Level1": {"Level2": {"Value": "nested"}}},
	"Empty": {
		"String": "",
		"Array": [],
		"Object": {}
	},
	"Null": null
}`;

const COMPLEX = `{
	"True": true,
	"I": 17,
	"U16": 16,
	"X": "x",
	"S": "xyz",
	"U": {"V": "v"},
	"SI": [3, 4, 5],
	"MSI": {"one": 1, "two": 2, "three": 3},
	"Empty0": null
}`;

const PATHS = `{
	"name": {"first": "Tom", "last": "Anderson"},
	"age": 37,
	"children": ["Sara", "Alex", "Jack"],
	"fav.movie": "Deer Hunter",
	"friends": [
		{"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
		{"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
		{"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]}
	],
	"nested": {
		"objects": {
			"are": {
				"supported": true
			}
		}
	},
	"values": [
		{"id": 1, "active": true},
		{"id": 2, "active": false},
		{"id": 3, "active": true},
		{"id": 4, "active": null},
		{"id": 5}
	]
}`;

// gjson_template gjson_test.go, gjsonExecTests: [name, template, data, expected output].
const GJSON_TEMPLATE_CASES: [string, string, string, string][] = [
  ['basic path', '{{.name.last}}', PATHS, 'Anderson'],
  ['dot notation', '{{.name.first}}', PATHS, 'Tom'],
  ['gjson function basic', '{{gjson "name.last"}}', PATHS, 'Anderson'],
  ['gjson function array', '{{gjson "children.0"}}', PATHS, 'Sara'],
  ['gjson function nested', '{{gjson "nested.objects.are.supported"}}', PATHS, 'true'],
  ['gjson function with dot in key', '{{gjson "fav\\\\.movie"}}', PATHS, 'Deer Hunter'],
  ['gjson function array query', '{{gjson "friends.#(last==\\"Murphy\\").first"}}', PATHS, 'Dale'],
  ['gjson function array all matches', '{{gjson "friends.#(last==\\"Murphy\\")#.first"}}', PATHS, '["Dale","Jane"]'],
  ['backtick basic', '{{gjson `name.last`}}', PATHS, 'Anderson'],
  ['backtick array index', '{{gjson `children.0`}}', PATHS, 'Sara'],
  ['backtick array length', '{{gjson `children.#`}}', PATHS, '3'],
  ['backtick escaped dot', '{{gjson `fav\\.movie`}}', PATHS, 'Deer Hunter'],
  ['backtick array query equals', '{{gjson `friends.#(last=="Murphy").first`}}', PATHS, 'Dale'],
  ['backtick array query all matches', '{{gjson `friends.#(last=="Murphy")#.first`}}', PATHS, '["Dale","Jane"]'],
  ['backtick array query greater than', '{{gjson `friends.#(age>45)#.last`}}', PATHS, '["Craig","Murphy"]'],
  ['backtick array query pattern matching', '{{gjson `friends.#(first%"D*").last`}}', PATHS, 'Murphy'],
  ['backtick array query not pattern matching', '{{gjson `friends.#(first!%"D*").last`}}', PATHS, 'Craig'],
  ['backtick nested query', '{{gjson `friends.#(nets.#(==fb))#.first`}}', PATHS, '["Dale","Roger"]'],
  ['backtick tilde true', '{{gjson `values.#(active==~true)#.id`}}', PATHS, '[1,3]'],
  ['backtick tilde false', '{{gjson `values.#(active==~false)#.id`}}', PATHS, '[2,4,5]'],
  ['backtick tilde null', '{{gjson `values.#(active==~null)#.id`}}', PATHS, '[4,5]'],
  ['backtick tilde exists', '{{gjson `values.#(active==~*)#.id`}}', PATHS, '[1,2,3,4]'],
  ['backtick reverse modifier', '{{gjson `children.@reverse`}}', PATHS, '["Jack","Alex","Sara"]'],
  ['backtick reverse and index', '{{gjson `children.@reverse.0`}}', PATHS, 'Jack'],
  ['backtick keys modifier', '{{gjson `name.@keys`}}', PATHS, '["first","last"]'],
  ['backtick values modifier', '{{gjson `name.@values`}}', PATHS, '["Tom","Anderson"]'],
  ['backtick deep path', '{{gjson `nested.objects.are.supported`}}', PATHS, 'true'],
  ['backtick multipath array', '{{gjson `[children.0,children.1]`}}', PATHS, '["Sara","Alex"]'],
  ['backtick multipath object', '{{gjson `{"first_name":name.first,"last_name":name.last,"age":age}`}}', PATHS, '{"first_name":"Tom","last_name":"Anderson","age":37}'],
  ['backtick multipath with key', '{{gjson `{"name":name.first,"murphy_friends":friends.#(last=="Murphy")#.first}`}}', PATHS, '{"name":"Tom","murphy_friends":["Dale","Jane"]}'],
  ['backtick literal string', '{{gjson `{"name":name.first,"company":!"Acme Inc"}`}}', PATHS, '{"name":"Tom","company":"Acme Inc"}'],
  ['backtick literal boolean', '{{gjson `{"name":name.first,"active":!true}`}}', PATHS, '{"name":"Tom","active":true}'],
  ['backtick literal number', '{{gjson `{"name":name.first,"count":!42}`}}', PATHS, '{"name":"Tom","count":42}'],
  ['backtick wildcard star', '{{gjson `child*.2`}}', PATHS, 'Jack'],
  ['backtick wildcard question mark', '{{gjson `c?ildren.0`}}', PATHS, 'Sara'],
  ['string', '{{.String}}', BASE, 'hello'],
  ['number', '{{.Number}}', BASE, '42'],
  ['boolean', '{{.Bool}}', BASE, 'true'],
  ['nested object', '{{.Nested.Level1.Level2.Value}}', BASE, 'nested'],
  ['array element', '{{index .Array 1}}', BASE, '2'],
  ['object property', '{{.Object.Name}}', BASE, 'test'],
  ['if true', '{{if .Bool}}YES{{end}}', BASE, 'YES'],
  ['if false', '{{if not .Bool}}YES{{else}}NO{{end}}', BASE, 'NO'],
  ['if empty string', '{{if .Empty.String}}YES{{else}}NO{{end}}', BASE, 'NO'],
  ['if empty array', '{{if .Empty.Array}}YES{{else}}NO{{end}}', BASE, 'NO'],
  ['if empty object', '{{if .Empty.Object}}YES{{else}}NO{{end}}', BASE, 'NO'],
  ['if null', '{{if .Null}}YES{{else}}NO{{end}}', BASE, 'NO'],
  ['if number', '{{if .Number}}YES{{else}}NO{{end}}', BASE, 'YES'],
  ['range array', '{{range .Array}}{{.}},{{end}}', BASE, '1,2,3,'],
  ['range array with index', '{{range $i, $v := .Array}}[{{$i}}:{{$v}}],{{end}}', BASE, '[0:1],[1:2],[2:3],'],
  ['range object', '{{range $k, $v := .Object}}{{$k}}={{$v}},{{end}}', BASE, 'Name=test,Value=123,'],
  ['range empty', '{{range .Empty.Array}}{{.}}{{else}}EMPTY{{end}}', BASE, 'EMPTY'],
  ['with', '{{with .Object}}{{.Name}}{{end}}', BASE, 'test'],
  ['with else', '{{with .Null}}{{.}}{{else}}NULL{{end}}', BASE, 'NULL'],
  ['variable', '{{$x := .Number}}{{$x}}', BASE, '42'],
  ['variable in scope', '{{with .Object}}{{$x := .Name}}{{$x}}{{end}}', BASE, 'test'],
  ['len array', '{{len .Array}}', BASE, '3'],
  ['len string', '{{len .String}}', BASE, '5'],
  ['len object', '{{len .Object}}', BASE, '2'],
  ['and', '{{and .Bool .Number}}', BASE, '42'],
  ['and false', '{{and .Bool .Empty.String}}', BASE, ''],
  ['or', '{{or .Empty.String .Number}}', BASE, '42'],
  ['or false', '{{or .Empty.String .Empty.Array}}', BASE, '[]'],
  ['not', '{{not .Bool}}', BASE, 'false'],
  ['not false', '{{not .Empty.String}}', BASE, 'true'],
  ['eq', '{{eq .Number 42}}', BASE, 'true'],
  ['ne', '{{ne .Number 43}}', BASE, 'true'],
  ['lt', '{{lt .Number 43}}', BASE, 'true'],
  ['le', '{{le .Number 42}}', BASE, 'true'],
  ['gt', '{{gt .Number 41}}', BASE, 'true'],
  ['ge', '{{ge .Number 42}}', BASE, 'true'],
  ['complex field', '{{.X}}', COMPLEX, 'x'],
  ['complex nested', '{{.U.V}}', COMPLEX, 'v'],
  ['complex array', '{{index .SI 1}}', COMPLEX, '4'],
  ['complex map', '{{.MSI.one}}', COMPLEX, '1'],
  ['complex range', '{{range .SI}}{{.}}-{{end}}', COMPLEX, '3-4-5-'],
  ['complex if', '{{if .True}}true{{else}}false{{end}}', COMPLEX, 'true'],
  ['pipeline', '{{.Number | printf "%04d"}}', BASE, '0042'],
  ['pipeline chain', '{{.String | printf "%s world"}}', BASE, 'hello world'],
  ['missing field', '{{.MissingField}}', BASE, ''],
  ['invalid syntax', '{{.Number.Field}}', BASE, ''],
  ['text2', 'some text', BASE, 'some text'],
  ['if true2', '{{if true}}TRUE{{end}}', BASE, 'TRUE'],
  ['if false2', '{{if false}}TRUE{{else}}FALSE{{end}}', BASE, 'FALSE'],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', BASE, 'NON-ZERO'],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', BASE, 'ZERO'],
  ['declare in action', '{{$x := .String}}{{$x}}', BASE, 'hello'],
  ['simple assignment', '{{$x := 2}}{{$x = 3}}{{$x}}', BASE, '3'],
  ['nested assignment', '{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}', BASE, '3'],
  ['map index', '{{index .Object "Name"}}', BASE, 'test'],
  ['with false', '{{with .Empty.Array}}{{.}}{{else}}EMPTY{{end}}', BASE, 'EMPTY'],
  ['print', '{{print "hello"}}', BASE, 'hello'],
  ['printf2', '{{printf "%04d" 42}}', BASE, '0042'],
  ['and2', '{{and true 1}}', BASE, '1'],
  ['or2', '{{or false 1}}', BASE, '1'],
  ['not2', '{{not true}}', BASE, 'false'],
  ['eq2', '{{eq 1 1}}', BASE, 'true'],
  ['html2', '{{html "<script>"}}', BASE, '&lt;script&gt;'],
];

const PLUS53 = `{
		"min_uint64": 0,
		"max_uint64": 18446744073709551615,
		"overflow_uint64": 18446744073709551616,
		"min_int64": -9223372036854775808,
		"max_int64": 9223372036854775807,
		"overflow_int64": 9223372036854775808,
		"max_uint53":  4503599627370495,
		"overflow_int53": 2251799813685248
	}`;
const MODIFIER = '{"other":{"hello":"world"},"arr":[1,2,3,4,5,6]}';

// tidwall/gjson gjson_test.go: what a path finds is printed as its raw text (printValue uses Raw).
const GJSON_CASES: [string, string, string, string][] = [
  ['TestPlus53BitInts', '{{.IdentityData.GameInstanceId}}', '{"IdentityData":{"GameInstanceId":634866135153775564}}', '634866135153775564'],
  ['TestPlus53BitInts (fraction)', '{{gjson "IdentityData.GameInstanceId"}}', '{"IdentityData":{"GameInstanceId":634866135153775564.88172}}', '634866135153775564.88172'],
  ['TestPlus53BitInts (limits)', '{{.max_uint64}} {{.overflow_uint64}} {{.min_int64}} {{.max_int64}} {{.overflow_int64}} {{.max_uint53}}', PLUS53,
    '18446744073709551615 18446744073709551616 -9223372036854775808 9223372036854775807 9223372036854775808 4503599627370495'],
  ['TestNumUint64String', '{{gjson "data.0"}}|{{.data}}', '{"data":  [  9007199254740993, "hello" ] }', '9007199254740993|[  9007199254740993, "hello" ]'],
  ['TestNumInt64String', '{{index .data 1}}', '{"data":[ "hello", -9007199254740993 ]}', '-9007199254740993'],
  ['TestNumBigString', '{{gjson "data.1"}}', '{"data":[ "hello", "900719925474099301239109123101" ]}', '900719925474099301239109123101'],
  ['TestDuplicateKeys', '{{.name}}', '{"name": "Alex","name": "Peter"}', 'Alex'],
  ['TestModifier @this', '{{gjson "@this"}}', MODIFIER, MODIFIER],
  ['TestModifier other.@this', '{{gjson "other.@this"}}', MODIFIER, '{"hello":"world"}'],
  ['TestModifier pretty|reverse|ugly', '{{gjson `@pretty:{"sortKeys":true}|@reverse|@ugly`}}', MODIFIER, MODIFIER],
  ['TestModifier reverse twice', '{{gjson "@pretty|@reverse|arr|@reverse|2"}}', MODIFIER, '4'],
  ['TestArrayCountRawOutput', '{{gjson "#"}}', '[1,2,3,4]', '4'],
  ['TestForEach', '{{len .}}', ' {"name": {"first": "Janet","last": "Prichard"},\n\t"asd\\nf":"\\ud83d\\udd13","age": 47}', '3'],
];

describe('gjson_template TestGjsonExecute over raw JSON', () => {
  it.each(GJSON_TEMPLATE_CASES)('%s: %s', (_name, src, data, want) => {
    expect(renderBody(src, data)).toBe(want);
  });
});

describe('gjson raw printing (gjson_test.go)', () => {
  it.each(GJSON_CASES)('%s: %s', (_name, src, data, want) => {
    expect(renderBody(src, data)).toBe(want);
  });
});

// TestRestToolConfig's response template and sample body (trailing comma after "Level").
const GEO_TEMPLATE = '# 地理编码信息\n{{- range $index, $geo := .Geocodes }}\n## 地点 {{add $index 1}}\n\n- **国家**: {{ $geo.Country }}\n- **省份**: {{ $geo.Province }}\n- **城市**: {{ $geo.City }}\n- **城市代码**: {{ $geo.Citycode }}\n- **区/县**: {{ $geo.District }}\n- **街道**: {{ $geo.Street }}\n- **门牌号**: {{ $geo.Number }}\n- **行政编码**: {{ $geo.Adcode }}\n- **坐标**: {{ $geo.Location }}\n- **级别**: {{ $geo.Level }}\n{{- end }}';
const GEO_BODY = `
		{"Geocodes": [
			{
				"Country":  "中国",
				"Province": "北京市",
				"City":     "北京市",
				"Citycode": "010",
				"District": "朝阳区",
				"Street":   "阜通东大街",
				"Number":   "6号",
				"Adcode":   "110105",
				"Location": "116.483038,39.990633",
				"Level":    "门牌号",
			}]}`;
const GEO_OUT = '# 地理编码信息\n## 地点 1\n\n- **国家**: 中国\n- **省份**: 北京市\n- **城市**: 北京市\n- **城市代码**: 010\n- **区/县**: 朝阳区\n- **街道**: 阜通东大街\n- **门牌号**: 6号\n- **行政编码**: 110105\n- **坐标**: 116.483038,39.990633\n- **级别**: 门牌号';

// The differences issue #18 lists. Each expected value is what gjson_template gives (derivation in
// the comment); they hold in both modes because they are about the data, not the function calls.
const RAW_DATA_CASES: [string, string, string, string][] = [
  // printValue writes v.Raw for a Number: the digits as sent, not a float64's rounding.
  ['integer beyond 2^53', '{{.id}}', '{"id": 202407011234567890123}', '202407011234567890123'],
  ['number text kept', '{{.a}} {{.b}} {{.c}}', '{"a": 1.50, "b": 1e3, "c": -0.0}', '1.50 1e3 -0.0'],
  // printValue writes v.Raw for an object or array: the source slice, spacing included.
  ['container spacing', '{{.o}}', '{"o": {"x": 1,  "y": [1, 2]}}', '{"x": 1,  "y": [1, 2]}'],
  ['array element spacing', '{{index .a 0}}', '{"a": [ {"k" : 1} ]}', '{"k" : 1}'],
  ['whole body', '{{.}}', '{ "b": 2,\n  "a": 1 }', '{ "b": 2,\n  "a": 1 }'],
  // gjson.Parse: the root's Raw is everything from the opening bracket on, a trailing newline too.
  ['whole body with a trailing newline', '{{.}}|{{.a}}', '\n {"a": [1, 2,]}\n', '{"a": [1, 2,]}\n|[1, 2,]'],
  ['whole body, well-formed, with a trailing newline', '{{.}}', '{"a": 1}\n', '{"a": 1}\n'],
  // walkRange over an object uses gjson's ForEach: source order, integer-like keys included.
  ['range object in source order', '{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', '{"b":1,"a":2,"10":3,"2":4}', 'b=1;a=2;10=3;2=4;'],
  ['range keeps element text', '{{range .}}{{.}};{{end}}', '[1.0, {"a" :1}, 2e2]', '1.0;{"a" :1};2e2;'],
  // gjson does not validate: a trailing comma is skipped over (TestRestToolConfig's sample body).
  ['trailing comma in an object', '{{.a}}|{{.b}}', '{"a": 1, "b": [1, 2,],}', '1|[1, 2,]'],
  ['TestRestToolConfig sample body', GEO_TEMPLATE, GEO_BODY, GEO_OUT],
  // gjson builds `#` projections from each match's Raw, joined by ','; queries compare the number.
  ['projection of raw numbers', '{{gjson "a.#.v"}}|{{gjson "a.#(v>1).v"}}', '{"a": [{"v": 1.0}, {"v": 2.50}]}', '[1.0,2.50]|2.50'],
  // Reading the text around escapes: a quote escaped in a key or value, a string ending in an escaped
  // backslash (an even run of backslashes does not escape the quote after it).
  ['escapes in keys and values', '{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', '{"q\\"k": "v\\"", "s": "a\\\\", "t": [ 1.0 ]}', 'q"k=v";s=a\\;t=[ 1.0 ];'],
  // gjson's Get answers with the first of duplicate keys, at any depth (TestDuplicateKeys).
  ['nested duplicate keys', '{{.o.a}}|{{.o}}', '{"o": {"a": 1.0, "a": 2}}', '1.0|{"a": 1.0, "a": 2}'],
  ['nested duplicate keys, trailing commas', '{{.o.a}}|{{.o}}|{{range $k, $v := .o}}{{$k}}{{end}}', '{"o": {"2": 0, "a": 1.0, "a": 2,},}', '1.0|{"2": 0, "a": 1.0, "a": 2,}|2a'],
  // A key named __proto__ is data like any other.
  ['__proto__ key', '{{range $k, $v := .}}{{$k}}:{{$v}}{{end}}', '{"__proto__": {"x": 5}}', '__proto__:{"x": 5}'],
  // @ugly strips whitespace (tidwall/pretty.Ugly) and leaves every token, numbers included, as is.
  ['@ugly keeps number text', '{{gjson "@ugly"}}', '{"a": 1.50, "b": [ 1e3 ]}', '{"a":1.50,"b":[1e3]}'],
];

describe('raw JSON differences, both modes', () => {
  it.each(RAW_DATA_CASES)('%s: %s', (_name, src, data, want) => {
    expect(renderBody(src, data, 'higress')).toBe(want);
    expect(renderBody(src, data, 'strict')).toBe(want);
  });

  // Template.execute: `if !jsonResult.IsObject() && !jsonResult.IsArray()` → this error.
  it.each([['plain text', 'hello'], ['HTML', '<html>oops</html>'], ['a JSON string', '"hi"'], ['a JSON number', '42'], ['empty', '']])(
    'a %s body fails the template as in Higress', (_what, body) => {
      for (const mode of ['higress', 'strict'] as const) {
        const err = (() => {
          try {
            renderBody('{{.a}}', body, mode);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(TemplateExecError);
        expect((err as Error).message).toBe('template: response: data must be a valid JSON object or array');
      }
    });
});

// Sprig as gjson_template calls it (exec.go evalFunction): objects and arrays go in as their Raw
// text, integral numbers as int, others as float64; a float result comes back through "%f", a
// slice or map through fmt.Sprint, and then is just a string.
const SPRIG_CASES: [string, string, string, string, string][] = [
  // join(sep, v): strslice of a string is the string itself.
  ['join on a JSON array', '{{.labels | join ","}}', '{"labels": ["bug", "ui"]}', '["bug", "ui"]', 'bug,ui'],
  // toJson(string) marshals the raw text as a JSON string.
  ['toJson on an object', '{{toJson .filter}}', '{"filter": {"b": 1, "a": 2}}', '"{\\"b\\": 1, \\"a\\": 2}"', '{"a":2,"b":1}'],
  // divf/addf return float64 → "%f".
  ['float result', '{{divf 5 2}} {{addf 1 2}}', '{}', '2.500000 3.000000', '2.5 3'],
  // add returns int64 → "%d".
  ['int result', '{{add .n 1}}', '{"n": 41}', '42', '42'],
  // list returns []interface{} → fmt.Sprint → the string "[1 2]", which join then sees whole.
  ['list result is a string', '{{list 1 2 | join ","}}', '{}', '[1 2]', '1,2'],
  // len of that string counts its bytes.
  ['len of a list result', '{{len (list 1 2 3)}}', '{}', '7', '3'],
  // 1.50 is not integral → float64 1.5 → toString's %v.
  ['number into Sprig', '{{.n | toString}}', '{"n": 1.50}', '1.5', '1.50'],
  // float64(int64(x)) != x → float64; the nearest double is 202407011234567880704, %v prints its shortest digits.
  ['big integer into Sprig', '{{.id | toString}}', '{"id": 202407011234567890123}', '2.0240701123456788e+20', '202407011234567890123'],
];

describe('Sprig calls', () => {
  it.each(SPRIG_CASES)('%s: %s', (_name, src, data, higress, strict) => {
    expect(renderBody(src, data, 'higress')).toBe(higress);
    expect(renderBody(src, data, 'strict')).toBe(strict);
  });
});

// Calls that fail in Higress: a missing value is not piped (`final.Exists()` is false), so `upper`
// gets no argument; `first` receives the array's text and Sprig's first panics on a string, which
// safeCall turns into `first: <panic>`. Strict mode hands values and succeeds.
describe('Sprig calls that fail only as Higress calls them', () => {
  it.each([
    ['{{.missing | upper}}', '{}', /^template: response:1:\d+: executing "response" at <upper>: .*upper.*/, ''],
    ['{{first .items}}', '{"items": [1, 2]}', /^template: response:1:\d+: executing "response" at <first>: first: .*string/, '1'],
  ])('%s', (src, data, higressError, strict) => {
    expect(() => renderBody(src, data, 'higress')).toThrow(higressError);
    expect(renderBody(src, data, 'strict')).toBe(strict);
  });
});
