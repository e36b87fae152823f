// gjson path syntax, from tidwall/gjson's SYNTAX.md and higress-group/gjson_template's tests.
import { describe, expect, it } from 'vitest';
import { gjsonGet, parseTemplate } from '../../../../servers/rest-to-mcp/template/index.js';

const DOC = {
  name: { first: 'Tom', last: 'Anderson' },
  age: 37,
  children: ['Sara', 'Alex', 'Jack'],
  'fav.movie': 'Deer Hunter',
  friends: [
    { first: 'Dale', last: 'Murphy', age: 44, nets: ['ig', 'fb', 'tw'] },
    { first: 'Roger', last: 'Craig', age: 68, nets: ['fb', 'tw'] },
    { first: 'Jane', last: 'Murphy', age: 47, nets: ['ig', 'tw'] },
  ],
  values: [{ id: 1, active: true }, { id: 2, active: false }, { id: 3, active: true }, { id: 4, active: null }, { id: 5 }],
  vals: [
    { a: 1, b: 'data' }, { a: 2, b: true }, { a: 3, b: false }, { a: 4, b: '0' }, { a: 5, b: 0 }, { a: 6, b: '1' },
    { a: 7, b: 1 }, { a: 8, b: 'true' }, { a: 9, b: false }, { a: 10, b: null }, { a: 11 },
  ],
  nested: { objects: { are: { supported: true } } },
};

describe('gjsonGet: paths and their String()', () => {
  it.each([
    ['name.last', 'Anderson'],
    ['age', '37'],
    ['children', '["Sara","Alex","Jack"]'],
    ['children.0', 'Sara'],
    ['friends.1.first', 'Roger'],
    ['child*.2', 'Jack'],
    ['c?ildren.0', 'Sara'],
    ['fav\\.movie', 'Deer Hunter'],
    ['friends.#', '3'],
    ['friends.#.age', '[44,68,47]'],
    ['friends.#.nets.#', '[3,2,2]'],
    ['friends.#(last=="Murphy").first', 'Dale'],
    ['friends.#(last=="Murphy")#.first', '["Dale","Jane"]'],
    ['friends.#(last="Murphy")#.first', '["Dale","Jane"]'],
    ['friends.#(age>45)#.last', '["Craig","Murphy"]'],
    ['friends.#(age<=44).first', 'Dale'],
    ['friends.#(age!=44)#.first', '["Roger","Jane"]'],
    ['friends.#(first%"D*").last', 'Murphy'],
    ['friends.#(first!%"D*").last', 'Craig'],
    ['children.#(!%"*a*")', 'Alex'],
    ['children.#(%"*a*")#', '["Sara","Jack"]'],
    ['friends.#(nets.#(=="fb"))#.first', '["Dale","Roger"]'],
    ['friends.#(last=="Nobody")#', '[]'],
    ['values.#(active==~true)#.id', '[1,3]'],
    ['values.#(active==~false)#.id', '[2,4,5]'],
    ['values.#(active==~null)#.id', '[4,5]'],
    ['values.#(active==~*)#.id', '[1,2,3,4]'],
    ['vals.#(b==~true)#.a', '[2,6,7,8]'],
    ['vals.#(b==~false)#.a', '[3,4,5,9,10,11]'],
    ['vals.#(b!=~*)#.a', '[11]'],
    ['friends.0|first', 'Dale'],
    ['friends|#', '3'],
    ['friends.#(last="Murphy")#|#', '2'],
    ['friends.#(last="Murphy")#.#', '[]'],
    ['friends.#(last="Murphy")#|0.first', 'Dale'],
    ['children.@reverse', '["Jack","Alex","Sara"]'],
    ['children.@reverse.0', 'Jack'],
    ['name.@keys', '["first","last"]'],
    ['name.@values', '["Tom","Anderson"]'],
    ['@this.age', '37'],
    ['[children.0,children.1]', '["Sara","Alex"]'],
    ['{name.first,age,"the_murphys":friends.#(last="Murphy")#.first}', '{"first":"Tom","age":37,"the_murphys":["Dale","Jane"]}'],
    ['{name.first,"company":!"Acme Inc","active":!true,"n":!42}', '{"first":"Tom","company":"Acme Inc","active":true,"n":42}'],
    ['[friends.#.first,children.#]|@flatten', '["Dale","Roger","Jane",3]'],
    ['friends.#.nets|@flatten', '["ig","fb","tw","fb","tw","ig","tw"]'],
    ['[name,!{"x":1}]|@join', '{"first":"Tom","last":"Anderson","x":1}'],
    ['nested.objects.are.supported', 'true'],
    ['nested.objects.are.missing', ''],
    ['children.9', ''],
    ['children.x', ''],
    ['age.x', ''],
  ])('%s', (path, want) => {
    expect(gjsonGet(DOC, path).toString()).toBe(want);
  });

  it('exposes exists, value and raw', () => {
    const r = gjsonGet(DOC, 'friends.#(age>45)#.last');
    expect(r.exists).toBe(true);
    expect(r.value).toEqual(['Craig', 'Murphy']);
    expect(r.raw).toBe('["Craig","Murphy"]');
    const s = gjsonGet(DOC, 'name.first');
    expect([s.raw, s.toString()]).toEqual(['"Tom"', 'Tom']);
    const m = gjsonGet(DOC, 'nope');
    expect([m.exists, m.value, m.raw, m.toString()]).toEqual([false, undefined, '', '']);
    expect(gjsonGet({ n: null }, 'n').toString()).toBe('');
  });

  it('formats with @pretty and @ugly', () => {
    expect(gjsonGet(DOC, 'name.@pretty').raw).toBe('{\n  "first": "Tom",\n  "last": "Anderson"\n}\n');
    expect(gjsonGet({ a: { c: [1, 2], b: 1 } }, 'a|@pretty:{"sortKeys":true}').raw).toBe('{\n  "b": 1,\n  "c": [1, 2]\n}\n');
    expect(gjsonGet(DOC, 'name.@ugly').raw).toBe('{"first":"Tom","last":"Anderson"}');
  });
});

describe('gjson inside templates', () => {
  it.each([
    ['{{gjson "friends.#(last==\\"Murphy\\").first"}}', 'Dale'],
    ['{{gjson `friends.#(last=="Murphy")#.first`}}', '["Dale","Jane"]'],
    ['{{gjson "fav\\\\.movie"}}', 'Deer Hunter'],
    ['{{gjson `children.@reverse`}}', '["Jack","Alex","Sara"]'],
    ['{{range gjson "friends.#(age>45)#"}}{{.first}};{{end}}', 'Roger;Jane;'],
    ['{{len (gjson "friends.#.nets")}}', '3'],
    ['{{gjson "name.@pretty"}}', '{\n  "first": "Tom",\n  "last": "Anderson"\n}\n'],
    ['{{(gjson "name.@pretty").first}}', 'Tom'],
  ])('%s', (src, want) => {
    expect(parseTemplate(src).render(DOC)).toBe(want);
  });
});
