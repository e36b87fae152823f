// Parse failures: Go's wording, with 1-based line and column of the offending token.
import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateSyntaxError } from '../../../../servers/rest-to-mcp/template/index.js';

function syntaxError(src: string, name = 'url'): TemplateSyntaxError {
  try {
    parseTemplate(src, name);
  } catch (e) {
    if (e instanceof TemplateSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(src)} to fail to parse`);
}

describe('syntax errors', () => {
  it.each<[string, number, number, string]>([
    ['{{.config.appCode }', 1, 19, 'unexpected "}" in operand'],
    ['{{.a}', 1, 3, "bad character U+007D '}'"],
    ['{{if .x}}a', 1, 11, 'unexpected EOF'],
    ['ab{{end}}', 1, 8, 'unexpected {{end}}'],
    ['{{else}}', 1, 7, 'unexpected {{else}}'],
    ['{{range .x}}{{else}}{{else}}{{end}}', 1, 27, 'expected end; found {{else}}'],
    ['{{break}}', 1, 3, '{{break}} outside {{range}}'],
    ['{{if true}}{{continue}}{{end}}', 1, 14, '{{continue}} outside {{range}}'],
    ['{{$x}}', 1, 3, 'undefined variable "$x"'],
    ['{{$x := 1}}{{$y = 2}}', 1, 14, 'undefined variable "$y"'],
    ['{{nope 1}}', 1, 3, 'function "nope" not defined'],
    ['{{"abc}}', 1, 3, 'unterminated quoted string'],
    ['{{`abc}}', 1, 3, 'unterminated raw quoted string'],
    ["{{'a}}", 1, 3, 'unterminated character constant'],
    ['{{ 3x }}', 1, 4, 'bad number syntax: "3x"'],
    ['{{ (.a }}', 1, 8, 'unclosed left paren'],
    ['{{ .a ) }}', 1, 7, 'unexpected right paren'],
    ['{{/* x }}', 1, 3, 'unclosed comment'],
    ['{{/* x */ y}}', 1, 3, 'comment ends before closing delimiter'],
    ['{{ if }}', 1, 7, 'missing value for if'],
    ['{{ .a | 3 }}', 1, 11, 'non executable command in pipeline stage 2'],
    ['{{ .a.b- }}', 1, 6, "bad character U+002D '-'"],
    ['{{ @ }}', 1, 4, 'unexpected "@" in command'],
    ['{{ "a".b }}', 1, 7, 'unexpected . after term ""a""'],
    ["{{ 'ab' }}", 1, 4, "malformed character constant: 'ab'"],
    ['{{ "\\q" }}', 1, 4, 'invalid syntax'],
    ['{{ 1i }}', 1, 4, 'complex constants are not supported: 1i'],
    ['{{ \u0001 }}', 1, 4, 'unrecognized character in action: U+0001'],
    ['{{ .a', 1, 6, 'unclosed action'],
    ['{{define "a"}}x{{end}}{{define "a"}}y{{end}}', 1, 32, 'template: multiple definition of template "a"'],
    ['line one\nline two {{ .a }\n', 2, 16, 'unexpected "}" in operand'],
    ['{{range $i, $v, $w := .x}}{{end}}', 1, 15, 'too many declarations in range'],
  ])('%j', (src, line, column, detail) => {
    const e = syntaxError(src);
    expect({ line: e.line, column: e.column, detail: e.detail }).toEqual({ line, column, detail });
    expect(e.message).toBe(`template: url:${line}:${column}: ${detail}`);
  });

  it('rejects pathological nesting instead of overflowing the stack', () => {
    const deep = '{{' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '}}';
    expect(syntaxError(deep).detail).toBe('max expression depth exceeded');
    const ifs = '{{if 1}}'.repeat(5000) + '{{end}}'.repeat(5000);
    expect(syntaxError(ifs).detail).toBe('max expression depth exceeded');
  });

  it.each(['', 'plain text only', '{{/* only a comment */}}', '{{- "x" -}}', '{{ $ }}', '{{.}}'])(
    'accepts %j',
    (src) => {
      expect(parseTemplate(src).source).toBe(src);
    },
  );
});
