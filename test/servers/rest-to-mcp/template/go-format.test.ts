// printf verbs and float formatting, checked against what Go's fmt and strconv print.
import { describe, expect, it } from 'vitest';
import { formatFloat } from '../../../../servers/rest-to-mcp/template/go-format.js';
import { sprintf } from '../../../../servers/rest-to-mcp/template/go-printf.js';
import { parseTemplate } from '../../../../servers/rest-to-mcp/template/index.js';
import { goList } from '../../../../servers/rest-to-mcp/template/values.js';

describe('sprintf verbs', () => {
  it.each<[string, unknown[], string]>([
    ['%s', ['x'], 'x'],
    ['%d', [42], '42'],
    ['%v|%v|%v', [1, 1.5, 'a'], '1|1.5|a'],
    ['%q', ['a"b\n'], '"a\\"b\\n"'],
    ['%+q', ['é'], '"\\u00e9"'],
    ['%#q', ['ab'], '`ab`'],
    ['%f', [3.14159], '3.141590'],
    ['%.2f', [3.14159], '3.14'],
    ['%8.3f|', [-3.14159], '  -3.142|'],
    ['%08.3f', [3.14159], '0003.142'],
    ['%.0f %.0f %.1f', [2.5, 3.5, 0.25], '2 4 0.2'],
    ['%e', [123456.789], '1.234568e+05'],
    ['%E', [0.000123], '1.230000E-04'],
    ['%g %g %g', [0.00001234, 1e21, 123.456], '1.234e-05 1e+21 123.456'],
    ['%.3g', [1234.5678], '1.23e+03'],
    ['%x %X %o %b', [255, 255, 8, 5], 'ff FF 10 101'],
    ['%#x %#o %O', [255, 8, 8], '0xff 010 0o10'],
    ['%x', [-255], '-ff'],
    ['%x % x %X', ['hi', 'hi', 'hi'], '6869 68 69 6869'],
    ['%t %v', [true, false], 'true false'],
    ['%5d|%-5d|%05d|%+d|% d', [42, 42, -42, 5, 5], '   42|42   |-0042|+5| 5'],
    ['%-5s|%5s|%.2s|%5.1s|', ['ab', 'ab', 'abc', 'xyz'], 'ab   |   ab|ab|    x|'],
    ['%*d|%-*d|', [5, 42, 4, 7], '   42|7   |'],
    ['%c%c %U %#U', [72, 105, 0x1f600, 65], "Hi U+1F600 U+0041 'A'"],
    ['%q', [65], "'A'"],
    ['%T %T %T %T %T', [1, 1.5, 'a', true, null], 'int float64 string bool <nil>'],
    ['%%|%5%|', [], '%|%|'],
    ['%v', [null], '<nil>'],
    ['%v %d', [goList([1, 2]), goList([3, 4])], '[1 2] [3 4]'],
    ['%3d', [goList([1, 2])], '[  1   2]'],
    ['%v', [{ b: 1, a: 'x' }], 'map[a:x b:1]'],
  ])('Sprintf(%j, %j)', (format, args, want) => {
    expect(sprintf(format, args)).toBe(want);
  });

  it.each<[string, unknown[], string]>([
    ['%d', ['x'], '%!d(string=x)'],
    ['%s', [5], '%!s(int=5)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%f', [3], '%!f(int=3)'],
    ['%t', [1], '%!t(int=1)'],
    ['%s', [null], '%!s(<nil>)'],
    ['%z', [1], '%!z(int=1)'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%d', [1, 2, 'x'], '1%!(EXTRA int=2, string=x)'],
    ['abc%', [], 'abc%!(NOVERB)'],
    ['%*d', ['x', 1], '%!(BADWIDTH)1'],
    ['%1000001d', [1], '%!(BADWIDTH)1'],
  ])('Go error notation: Sprintf(%j, %j)', (format, args, want) => {
    expect(sprintf(format, args)).toBe(want);
  });
});

describe('printf in templates', () => {
  it.each([
    ['{{printf "%s=%d" .k .v}}', 'a=7'],
    ['{{.v | printf "%04d"}}', '0007'],
    ['{{printf "%v" .obj}}', '{"x":1}'],
    ['{{printf "%s" .obj}}', '{"x":1}'],
    ['{{printf "%v" .missing}}', '<nil>'],
    ['{{printf "%.2f" .price}}', '12.35'],
    ['{{printf "%d" .whole}}', '10'],
    ['{{printf "%5.1f|%-6s|%x" .price .k 255}}', ' 12.3|a     |ff'],
  ])('%s', (src, want) => {
    const data = { k: 'a', v: 7, obj: { x: 1 }, price: 12.345, whole: 10.0 };
    expect(parseTemplate(src).render(data)).toBe(want);
  });
});

describe('strconv.FormatFloat', () => {
  it.each<[number, 'e' | 'f' | 'g' | 'G', number, string]>([
    [1e21, 'g', -1, '1e+21'],
    [123456789, 'g', -1, '1.23456789e+08'],
    [100000, 'g', -1, '100000'],
    [1e6, 'g', -1, '1e+06'],
    [0.000012345, 'g', -1, '1.2345e-05'],
    [0.0001, 'g', -1, '0.0001'],
    [3, 'g', -1, '3'],
    [0, 'g', -1, '0'],
    [-0.5, 'f', -1, '-0.5'],
    [1.23456, 'e', 2, '1.23e+00'],
    [0, 'e', -1, '0e+00'],
    [123.456, 'g', 4, '123.5'],
    [0.0001234, 'g', 2, '0.00012'],
    [1234567, 'g', 3, '1.23e+06'],
    [1e-7, 'G', -1, '1E-07'],
    [1e22, 'f', 1, '10000000000000000000000.0'],
    [NaN, 'g', -1, 'NaN'],
    [Infinity, 'f', 2, '+Inf'],
    [-Infinity, 'g', -1, '-Inf'],
  ])('FormatFloat(%d, %s, %d)', (n, fmt, prec, want) => {
    expect(formatFloat(n, fmt, prec)).toBe(want);
  });
});
