import { describe, expect, it } from 'vitest';
import { goEncodeQuery, goFinalUrl, goParseQuery, goParseUrl } from '../../../servers/rest-to-mcp/request/go-url.js';
import { goArgString } from '../../../servers/rest-to-mcp/request/go-values.js';

describe('Go net/url behaviour Higress relies on (§2.4 steps 5 and 9)', () => {
  it.each([
    ['https://a.example/p?b=2&a=1', 'https://a.example/p?a=1&b=2'],
    ['https://a.example/p?q=a b', 'https://a.example/p?q=a+b'],
    ['https://a.example/p?q=%20x%2B', 'https://a.example/p?q=+x%2B'],
    ['https://a.example/p?q=北京', 'https://a.example/p?q=%E5%8C%97%E4%BA%AC'],
    ['https://a.example/p?bad=%zz&ok=1&semi;x=2', 'https://a.example/p?ok=1'],
    ['https://a.example/p?flag', 'https://a.example/p?flag='],
    ['https://a.example/a b/北', 'https://a.example/a%20b/%E5%8C%97'],
    ["https://a.example/keep(!)*'", "https://a.example/keep(!)*'"],
    ['https://a.example/x{y}|', 'https://a.example/x%7By%7D%7C'],
    ['https://user:pw@a.example/p#frag', 'https://a.example/p'],
    ['https://a.example/p?', 'https://a.example/p'],
  ])('%s → %s', (input, want) => {
    const u = goParseUrl(input);
    expect(u).toBeDefined();
    expect(goFinalUrl(u!, goEncodeQuery(goParseQuery(u!.rawQuery)))).toBe(want);
  });

  it.each([['https://a.example/%zz'], ['https://a.example/\u0001'], [':no-scheme']])('refuses %j like url.Parse', (input) => {
    expect(goParseUrl(input)).toBeUndefined();
  });

  it.each([
    ['text', 'text'],
    [true, 'true'],
    [42, '42'],
    [1.5, '1.5'],
    [1e6, '1e+06'],
    [123456, '123456'],
    [0.00001, '1e-05'],
    [{ b: 1, a: '<' }, '{"a":"\\u003c","b":1}'],
    [[1, 'x'], '[1,"x"]'],
    [null, 'null'],
  ])('convertArgToString(%j) = %s (TestConvertArgToString)', (value, want) => {
    expect(goArgString(value)).toBe(want);
  });
});
