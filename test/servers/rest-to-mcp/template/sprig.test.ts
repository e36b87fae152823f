// Sprig functions (masterminds.github.io/sprig), with outputs as Go + Sprig print them.
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateExecError } from '../../../../servers/rest-to-mcp/template/index.js';

const DATA = { arr: ['b', 'a', 'c'], obj: { k: 'v', n: 1 }, s: 'hello', n: 5, ts: 1700000000 };
const render = (src: string, data: unknown = DATA): string => parseTemplate(src).render(data);

describe('sprig strings', () => {
  it.each([
    ['{{trim "  hi \\n"}}', 'hi'],
    ['{{trimAll "$" "$5.00$$"}}', '5.00'],
    ['{{trimPrefix "-" "-hi"}}|{{trimSuffix "-" "hi-"}}', 'hi|hi'],
    ['{{upper "ab"}}{{lower "CD"}}', 'ABcd'],
    ['{{title "hello wide world"}}', 'Hello Wide World'],
    ['{{replace " " "-" "a b c"}}', 'a-b-c'],
    ['{{contains "cat" "catch"}} {{hasPrefix "ca" "cat"}} {{hasSuffix "at" "cat"}}', 'true true true'],
    ['{{quote "a" "b\\"c"}}|{{squote "a" 1}}', '"a" "b\\"c"|\'a\' \'1\''],
    ['{{repeat 3 "ab"}}', 'ababab'],
    ['{{substr 1 3 "hello"}}|{{substr -1 2 "hello"}}|{{substr 2 99 "hello"}}', 'el|he|llo'],
    ['{{trunc 3 "hello"}}|{{trunc -3 "hello"}}|{{trunc 9 "hi"}}', 'hel|llo|hi'],
    ['{{split "$" "a$b"}}|{{(split "$" "a$b")._1}}', 'map[_0:a _1:b]|b'],
    ['{{splitList "," "a,b,c" | join "+"}}', 'a+b+c'],
    ['{{splitn "," 2 "a,b,c"}}', 'map[_0:a _1:b,c]'],
    ['{{nospace "a b\\tc\\n"}}', 'abc'],
    ['{{indent 2 "a\\nb"}}|{{nindent 2 "c"}}', '  a\n  b|\n  c'],
    ['{{cat "a" 1 nil "b"}}', 'a 1 b'],
    ['{{abbrev 5 "hello world"}}|{{abbrev 20 "short"}}', 'he...|short'],
    ['{{join "," .arr}}|{{.arr | join "-"}}', 'b,a,c|b-a-c'],
    ['{{sortAlpha .arr}}', '[a b c]'],
    ['{{toString 5}}{{toString .obj}}', '5map[k:v n:1]'],
    ['{{plural "one" "many" 2}}', 'many'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });
});

describe('sprig math', () => {
  it.each([
    ['{{add 1 2 3}} {{add "3" 4}} {{add1 5}} {{sub 5 3}} {{mul 2 3 4}}', '6 7 6 2 24'],
    ['{{div 7 2}} {{mod 7 3}} {{div -7 2}}', '3 1 -3'],
    ['{{max 1 5 3}} {{min 4 2 8}}', '5 2'],
    ['{{floor 1.5}} {{ceil 1.2}} {{round 3.14159 2}} {{round 2.5 0}}', '1 2 3.14 3'],
    ['{{int "42"}} {{int64 3.9}} {{float64 "1.5"}} {{atoi "12"}} {{atoi "x"}}', '42 3 1.5 12 0'],
    ['{{addf 1.5 2}} {{mulf 1.5 2}} {{divf 1 4}} {{subf 5 1.5}}', '3.5 3 0.25 3.5'],
    ['{{add .n 1}}', '6'],
    ['{{until 3}} {{untilStep 0 10 4}} {{seq 3}}', '[0 1 2] [0 4 8] 1 2 3'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  it('reports integer division by zero', () => {
    expect(() => render('{{div 1 0}}')).toThrow(/error calling div: runtime error: integer divide by zero/);
  });
});

describe('sprig lists', () => {
  it.each([
    ['{{list 1 2 3}}', '[1 2 3]'],
    ['{{first .arr}} {{last .arr}} {{rest .arr}} {{initial .arr}}', 'b c [a c] [b a]'],
    ['{{append (list 1) 2}} {{prepend (list 1) 0}} {{concat (list 1) (list 2 3) .arr}}', '[1 2] [0 1] [1 2 3 b a c]'],
    ['{{reverse .arr}} {{uniq (list 1 1 2 1)}}', '[c a b] [1 2]'],
    ['{{has "a" .arr}} {{has "z" .arr}}', 'true false'],
    ['{{without (list 1 2 3 2) 2}} {{compact (list 1 "" 0 nil 2)}}', '[1 3] [1 2]'],
    ['{{first .missing}}|{{len (rest .missing)}}', 'null|0'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  it('rejects a non-list where a list is required', () => {
    expect(() => render('{{first 5}}')).toThrow(/Cannot find first on type int/);
  });
});

describe('sprig dicts', () => {
  it.each([
    ['{{dict "b" 1 "a" 2}}', 'map[a:2 b:1]'],
    ['{{get .obj "k"}}|{{get .obj "zz"}}', 'v|'],
    ['{{$d := dict "a" 1}}{{$_ := set $d "b" 2}}{{$d}}', 'map[a:1 b:2]'],
    ['{{$d := dict "a" 1 "b" 2}}{{$_ := unset $d "a"}}{{$d}}', 'map[b:2]'],
    ['{{hasKey .obj "k"}} {{hasKey .obj "x"}}', 'true false'],
    ['{{keys .obj}} {{values .obj}}', '[k n] [v 1]'],
    ['{{pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3)}}', '[1 3]'],
    ['{{merge (dict "a" 1) (dict "a" 2 "b" 3)}} {{mergeOverwrite (dict "a" 1) (dict "a" 2)}}', 'map[a:1 b:3] map[a:2]'],
    ['{{pick .obj "k"}} {{omit .obj "k"}}', 'map[k:v] map[n:1]'],
    ['{{dig "a" "b" "none" (dict "a" (dict "b" 7))}} {{dig "x" "y" "none" (dict "a" 1)}}', '7 none'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });
});

describe('sprig defaults and JSON', () => {
  it.each([
    ['{{default "foo" .missing}} {{default "foo" "bar"}} {{.missing | default "x"}} {{default 7 0}}', 'foo bar x 7'],
    ['{{empty ""}} {{empty 0}} {{empty (list)}} {{empty .obj}} {{empty .missing}}', 'true true true false true'],
    ['{{coalesce .missing "" "x" "y"}}', 'x'],
    ['{{ternary "yes" "no" true}} {{ternary "yes" "no" false}}', 'yes no'],
    ['{{toJson (dict "b" 1 "a" "<x>&")}}', '{"a":"\\u003cx\\u003e\\u0026","b":1}'],
    ['{{toRawJson (dict "b" 1 "a" "<x>")}}', '{"a":"<x>","b":1}'],
    ['{{toJson .obj}}|{{.arr | toJson}}|{{toJson .missing}}', '{"k":"v","n":1}|["b","a","c"]|null'],
    ['{{toPrettyJson (dict "a" (list 1 2))}}', '{\n  "a": [\n    1,\n    2\n  ]\n}'],
    ['{{(fromJson "{\\"a\\":{\\"b\\":3}}").a.b}} {{fromJson "{\\"x\\":1}"}}', '3 map[x:1]'],
    ['{{typeOf 1}} {{typeOf 1.5}} {{typeOf "s"}} {{kindOf .arr}} {{kindOf .obj}}', 'int float64 string slice map'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  it('fail stops rendering with the message', () => {
    expect(() => render('before {{fail "custom failure"}}')).toThrow(TemplateExecError);
    expect(() => render('{{fail "custom failure"}}')).toThrow(/error calling fail: custom failure/);
  });
});

describe('sprig encoding and random', () => {
  it.each([
    ['{{b64enc "hello"}} {{b64dec "aGVsbG8="}} {{.s | b64enc}}', 'aGVsbG8= hello aGVsbG8='],
    ['{{b32enc "hi"}} {{b32dec "NBUQ===="}}', 'NBUQ==== hi'],
    ['{{sha256sum "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{sha1sum "abc"}}', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['{{adler32sum "Wikipedia"}}', '300286872'],
    ['{{b64dec "%%%"}}', 'illegal base64 data at input byte 0'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  it('generates uuids and random strings of the requested shape', () => {
    const [u1, u2] = render('{{uuidv4}} {{uuidv4}}').split(' ');
    expect(u1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(u1).not.toBe(u2);
    expect(render('{{randAlphaNum 24}}')).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(render('{{randNumeric 8}}')).toMatch(/^[0-9]{8}$/);
  });
});

describe('sprig dates', () => {
  it.each([
    ['{{dateInZone "2006-01-02T15:04:05Z07:00" .ts "UTC"}}', '2023-11-14T22:13:20Z'],
    ['{{dateInZone "2006-01-02T15:04:05Z07:00" .ts "Asia/Shanghai"}}', '2023-11-15T06:13:20+08:00'],
    ['{{dateInZone "Monday, Jan 2 2006 3:04PM MST -0700" .ts "America/New_York"}}', 'Tuesday, Nov 14 2023 5:13PM EST -0500'],
    ['{{dateInZone "20060102" .ts "Asia/Shanghai"}}', '20231115'],
    ['{{dateInZone "06 _2 __2 002 .000 pm" .ts "UTC"}}', '23 14 318 318 .000 pm'],
    ['{{dateInZone "15:04 MST" 0 "Not/AZone"}}', '00:00 UTC'],
    ['{{htmlDateInZone .ts "UTC"}}', '2023-11-14'],
    ['{{toDate "2006-01-02T15:04:05Z07:00" "2024-01-02T03:04:05+02:00" | unixEpoch}}', '1704157445'],
    ['{{dateInZone "15:04:05.000" (dateModify "1h30m0.25s" (toDate "2006-01-02T15:04:05Z" "2024-01-02T03:04:05Z")) "UTC"}}', '04:34:05.250'],
    ['{{dateInZone "2006-01-02 15:04" (dateModify "-24h" .ts) "UTC"}}', '2023-11-13 22:13'],
    ['{{duration 95}} {{duration 3600}} {{duration 0}} {{duration 90061}}', '1m35s 1h0m0s 0s 25h1m1s'],
    ['{{toDate "2006-01-02" "not a date" | unixEpoch}}', '-62135596800'],
    ['{{ago now}}', '0s'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  it('formats now in the current year', () => {
    expect(render('{{now | date "2006"}}')).toBe(String(new Date().getFullYear()));
    expect(render('{{dateInZone "2006" now "UTC"}}')).toBe(String(new Date().getUTCFullYear()));
  });
});

describe('sprig regex', () => {
  it.each([
    ['{{regexMatch "^[a-z]+$" "abc"}} {{regexMatch "^[a-z]+$" "ab1"}} {{regexMatch "(?i)^ABC$" "abc"}}', 'true false true'],
    ['{{regexFind "[0-9]+" "ab12cd34"}}', '12'],
    ['{{regexFindAll "[0-9]+" "a1b22c333" -1}} {{regexFindAll "[0-9]+" "a1b22c333" 2}}', '[1 22 333] [1 22]'],
    ['{{regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W"}}', '-W-xxW-'],
    ['{{regexReplaceAll "a(?P<x>x*)b" "-axb-" "[$x]"}}', '-[x]-'],
    ['{{regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}"}}', '-${1}-${1}-'],
    ['{{regexSplit "z+" "pizza" -1}} {{regexSplit "," "a,b,c" 2}}', '[pi a] [a b,c]'],
    ['{{regexMatch "[" "x"}}', 'false'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  it('reports an invalid pattern where Sprig would panic', () => {
    expect(() => render('{{regexFind "[" "x"}}')).toThrow(/error calling regexFind: error parsing regexp/);
  });
});
