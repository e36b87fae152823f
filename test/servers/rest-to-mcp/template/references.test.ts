import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../../servers/rest-to-mcp/template/index.js';
import { validateRestConfig } from '../../../../servers/rest-to-mcp/index.js';

// Which `.config.X` a template reads, from its parse tree. Expected values follow Go text/template's rules
// (pkg.go.dev/text/template: "with"/"range" set dot to the pipeline's value inside their body and leave it in
// the else branch; `$` is always the data passed to Execute; a string literal is text, not a field).
describe('rootFields: the settings a template reads', () => {
  it.each([
    ['a field at the root', '{{.config.apiKey}}', ['apiKey']],
    ['several, in first-use order, once each', 'a={{.config.b}}&c={{.config.a}}&d={{.config.b}}', ['b', 'a']],
    ['inside if and its else (dot unchanged)', '{{if .args.x}}{{.config.one}}{{else}}{{.config.two}}{{end}}', ['one', 'two']],
    ['in a pipeline and a parenthesised argument', '{{.config.host | printf "%s"}}/{{printf "%s" (.config.path)}}', ['host', 'path']],
    ['through $ inside with/range', '{{range .args.items}}{{$.config.token}}{{end}}', ['token']],
    ['the index function', '{{index .config "region"}}', ['region']],
    ['with\'s else branch keeps the data as dot', '{{with .args.q}}{{.}}{{else}}{{.config.fallback}}{{end}}', ['fallback']],
    ['a define, called with the data', '{{define "h"}}{{.config.inner}}{{end}}{{template "h" .}}', ['inner']],
    // Not settings:
    ['a string literal that spells one', '{{print ".config.notASetting"}}', []],
    ['text outside actions', 'see .config.x in the docs', []],
    ['a field of with\'s value (dot moved)', '{{with .args}}{{.config.x}}{{end}}', []],
    ['a field of range\'s element', '{{range .args.list}}{{.config.y}}{{end}}', []],
    ['.config itself (no key named)', '{{toJson .config}}', []],
    ['another root', '{{.args.config.z}}', []],
  ])('%s', (_what, source, expected) => {
    expect(parseTemplate(source).rootFields('config')).toEqual(expected);
  });

  it('a config\'s settings: request templates count, an answer\'s response template does not (it reads the upstream body)', () => {
    const result = validateRestConfig({
      server: { name: 's', config: { declared: '' } },
      tools: [
        { name: 't', description: 'd', args: [], requestTemplate: { url: 'https://api.example.com/{{.config.path}}', method: 'GET', headers: [{ key: 'Authorization', value: 'Bearer {{.config.accessToken}}' }] }, responseTemplate: { body: '{{.config.fromBody}}' } },
        { name: 'direct', description: 'd', args: [], responseTemplate: { body: 'hello {{.config.greeting}}' } },
      ],
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.configRefs).toEqual(['path', 'accessToken', 'greeting']);
  });
});
