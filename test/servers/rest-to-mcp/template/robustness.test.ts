// Rendering is bounded and total: hostile templates or data end in a
// TemplateExecError (never another exception, never a hang), and arbitrary JSON
// never makes a fixed set of realistic templates throw anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateExecError } from '../../../../servers/rest-to-mcp/template/index.js';

function execError(fn: () => unknown): TemplateExecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateExecError) return e;
    throw e;
  }
  throw new Error('expected a TemplateExecError');
}

describe('bounded rendering', () => {
  it('caps output size', () => {
    const tpl = parseTemplate('{{range 1000}}0123456789{{end}}', 'big', { limits: { maxOutput: 5000 } });
    expect(execError(() => tpl.render({})).message).toMatch(/output exceeds 5000 characters/);
    expect(parseTemplate('{{range 400}}0123456789{{end}}', 'ok', { limits: { maxOutput: 5000 } }).render({})).toHaveLength(4000);
  });

  it('caps the default output at 10 MB', () => {
    const data = { s: 'x'.repeat(1024 * 1024) };
    expect(execError(() => parseTemplate('{{range 11}}{{$.s}}{{end}}').render(data)).message).toMatch(/output exceeds 10485760 characters/);
  });

  it('caps the number of steps, even when nothing is written', () => {
    const tpl = parseTemplate('{{range 600}}{{range 2}}{{end}}{{end}}', 'loop', { limits: { maxSteps: 1000 } });
    expect(execError(() => tpl.render({})).message).toMatch(/execution exceeded 1000 steps/);
    expect(execError(() => parseTemplate('{{range 1000000000000}}{{end}}').render({})).message).toMatch(/exceeds the step limit/);
  });

  it('caps template recursion', () => {
    const tpl = parseTemplate('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}');
    expect(execError(() => tpl.render({})).message).toMatch(/exceeded maximum template depth \(100\)/);
  });

  it('fails cleanly on absurdly nested data', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(execError(() => parseTemplate('{{.}}').render(deep)).message).toMatch(/nested too deeply/);
    expect(parseTemplate('{{len .}}').render(deep)).toBe('1');
  });

  it.each([
    ['{{repeat 100000000 "ab"}}', /exceeds the limit/],
    ['{{randAlphaNum 100000000}}', /exceeds the limit/],
    ['{{until 100000000}}', /exceeds the limit/],
    ['{{printf "%1000001d" 1}}', null],
  ])('refuses oversized builders: %s', (src, re) => {
    if (re === null) {
      expect(parseTemplate(src).render({})).toBe('%!(BADWIDTH)1');
      return;
    }
    expect(execError(() => parseTemplate(src).render({})).message).toMatch(re);
  });

  it('reuses one compiled template across renders', () => {
    const tpl = parseTemplate('{{.a}}-{{len .b}}');
    expect([tpl.render({ a: 1, b: [1] }), tpl.render({ a: 'x', b: 'abc' }), tpl.render([])]).toEqual(['1-1', 'x-3', '-0']);
  });
});

const TEMPLATES = [
  '{{.a}}{{.a.b.0.c}}{{index . "a"}}',
  '{{range $k, $v := .}}{{$k}}={{$v}};{{else}}none{{end}}',
  '{{range .items}}{{.name}}{{if not $.flag}},{{end}}{{end}}',
  '{{with .x}}{{. | toJson}}{{else}}{{toJson .}}{{end}}',
  '{{printf "%s %d %v %q %.2f %x" .a .b .c .d .e .f}}',
  '{{len .a}} {{len .}} {{.a | default "d"}} {{empty .b}}',
  '{{if and .a (or .b .c)}}{{add .a 1}}{{end}}',
  '{{eq .a .b}} {{lt .a .b}} {{ne .a 1}} {{ge .b "x"}}',
  '{{gjson "a.#(b>1)#.c"}} {{gjson "@reverse"}} {{gjson "{a,b}"}}',
  '{{(index .items 0).name}}',
  '{{join "," .a}} {{upper .b}} {{trunc 3 .c}} {{b64enc .d}}',
  '{{dateInZone "2006-01-02" .a .b}} {{toJson (dict "k" .a)}}',
  '{{range .}}{{range .}}{{.}}{{end}}{{end}}',
  '{{print . .a}} {{html .}} {{urlquery .a}} {{js .b}}',
  '{{first .a}} {{keys .}} {{slice .a 1}}',
];

describe('property: arbitrary JSON never breaks the contract', () => {
  const compiled = TEMPLATES.map((src, i) => parseTemplate(src, `t${i}`));

  it('renders or throws TemplateExecError, for every template and any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat({ max: TEMPLATES.length - 1 }), (data, i) => {
        try {
          const out = compiled[i]!.render(data);
          return typeof out === 'string';
        } catch (e) {
          // Internal errors are wrapped too, but would mean a bug in the engine.
          return e instanceof TemplateExecError && !e.message.includes('internal error');
        }
      }),
      { numRuns: 600 },
    );
  });

  it('renders JSON objects with the expected keys without failing for the field templates', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), (data) => {
        const out = compiled[1]!.render(data);
        const keys = Object.keys(data);
        return keys.length === 0 ? out === 'none' : keys.every((k) => out.includes(`${k}=`));
      }),
      { numRuns: 200 },
    );
  });
});
