import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { exportConfig, loadRestConfigFile, parseRestConfigText, validateRestConfig } from '../../../servers/rest-to-mcp/index.js';
import { compile, loadErrors, oneTool } from './helpers.js';

const URL = 'https://api.example.com/x';

describe('parse-time rules (TestRestToolValidation, higress-mcp.md §2.2)', () => {
  it.each([
    ['argsToJsonBody', { argsToJsonBody: true }],
    ['argsToUrlParam', { argsToUrlParam: true }],
    ['argsToFormBody', { argsToFormBody: true }],
  ])('accepts a single %s flag', (_n, flags) => {
    expect(compile(oneTool({ requestTemplate: { url: URL, ...flags } })).tools).toHaveLength(1);
  });

  it.each([
    ['two args* flags', { requestTemplate: { url: URL, argsToJsonBody: true, argsToFormBody: true } }, 'tools[0] (t).requestTemplate: only one of argsToJsonBody, argsToFormBody may be true'],
    ['three args* flags', { requestTemplate: { url: URL, argsToJsonBody: true, argsToUrlParam: true, argsToFormBody: true } }, 'tools[0] (t).requestTemplate: only one of argsToJsonBody, argsToUrlParam, argsToFormBody may be true'],
    ['body with argsToJsonBody', { requestTemplate: { url: URL, body: '{}', argsToJsonBody: true } }, 'tools[0] (t).requestTemplate: body and argsToJsonBody are mutually exclusive'],
    ['body with prependBody', { requestTemplate: { url: URL }, responseTemplate: { body: 'x', prependBody: 'p' } }, 'tools[0] (t).responseTemplate: body and prependBody are mutually exclusive'],
    ['body with appendBody', { requestTemplate: { url: URL }, responseTemplate: { body: 'x', appendBody: 'a' } }, 'tools[0] (t).responseTemplate: body and appendBody are mutually exclusive'],
    ['direct response without body', { responseTemplate: { prependBody: 'p' } }, 'tools[0] (t).responseTemplate.body: a tool without requestTemplate.url (direct response) must set responseTemplate.body'],
    ['unknown arg type', { args: [{ name: 'a', type: 'date' }], requestTemplate: { url: URL } }, 'tools[0] (t).args[0] (a).type: "date" is not a JSON Schema type'],
    ['unknown security scheme', { requestTemplate: { url: URL, security: { id: 'nope' } } }, 'tools[0] (t).requestTemplate.security.id: no security scheme with id "nope" in server.securitySchemes'],
  ])('refuses %s, naming tool and field', (_n, tool, message) => {
    expect(loadErrors(oneTool(tool))).toContain(`test.yaml: ${message}`);
  });

  it('accepts prependBody with appendBody and no body', () => {
    expect(compile(oneTool({ requestTemplate: { url: URL }, responseTemplate: { prependBody: 'a', appendBody: 'b' } })).tools[0]!.prependBody).toBe('a');
  });

  it.each([
    ['no server and no toolSet', { tools: [] }, 'test.yaml: (root): must have a server or a toolSet'],
    ['missing server.name', { server: {} }, 'test.yaml: server.name: is required'],
    ['unknown tool field', oneTool({ requestTemplate: { url: URL }, colour: 'red' }), 'test.yaml: tools[0] (t).colour: is not allowed'],
    ['bad method', oneTool({ requestTemplate: { url: URL, method: 'GE T' } }), 'test.yaml: tools[0] (t).requestTemplate.method: must match pattern "^[A-Za-z]+$"'],
    ['duplicate tool', { server: { name: 's' }, tools: [{ name: 'a', requestTemplate: { url: URL } }, { name: 'a', requestTemplate: { url: URL } }] }, 'test.yaml: tools[1] (a).name: duplicate tool name'],
    ['apiKey without name', { server: { name: 's', securitySchemes: [{ id: 'k', type: 'apiKey', in: 'header' }] } }, 'test.yaml: server.securitySchemes[0] (k): an apiKey scheme needs in and name'],
  ])('refuses %s', (_n, doc, message) => {
    expect(loadErrors(doc)).toContain(message);
  });

  it.each([
    ['url', { requestTemplate: { url: 'https://a.example/{{ .args.x ' } }, 'tools[0] (t).requestTemplate.url: template syntax error at line 1, column'],
    ['header', { requestTemplate: { url: URL, headers: [{ key: 'X', value: '{{ if }}' }] } }, 'tools[0] (t).requestTemplate.headers[0] (X).value: template syntax error at line 1'],
    ['response body', { requestTemplate: { url: URL }, responseTemplate: { body: 'ok\n{{ range .a }}' } }, 'tools[0] (t).responseTemplate.body: template syntax error at line 2'],
    ['unknown function', { requestTemplate: { url: URL }, responseTemplate: { body: '{{ nosuchfunc 1 }}' } }, 'tools[0] (t).responseTemplate.body: template syntax error at line 1, column'],
  ])('reports a %s template syntax error with tool, field, line and column', (_n, tool, prefix) => {
    const errors = loadErrors(oneTool(tool));
    expect(errors.some((e) => e.startsWith(`test.yaml: ${prefix}`)), errors.join('\n')).toBe(true);
  });

  it('loads duplicate arg names and type aliases (published configs have both) with warnings', () => {
    const config = compile(oneTool({ args: [{ name: 'a' }, { name: 't', type: 'int' }, { name: 'a', type: 'integer' }], requestTemplate: { url: URL } }));
    expect(config.tools[0]!.args.map((a) => [a.name, a.type])).toEqual([['t', 'integer'], ['a', 'integer']]);
    expect(config.warnings).toHaveLength(2);
  });
});

describe('loading', () => {
  it('reports a YAML syntax error with line and column', () => {
    const result = parseRestConfigText('server:\n  name: [unclosed\n', 'bad.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^bad\.yaml:\d+:\d+: /);
  });

  it('loads YAML and JSON files, returns a frozen config, and exports the file as given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rest-cfg-'));
    try {
      const doc = oneTool({ args: [{ name: 'q' }], requestTemplate: { url: URL } });
      writeFileSync(join(dir, 'a.json'), JSON.stringify(doc));
      const loaded = await loadRestConfigFile(join(dir, 'a.json'));
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      expect(Object.isFrozen(loaded.value.tools[0])).toBe(true);
      expect(loaded.value.tools[0]!.request?.method).toBe('GET');
      expect(parse(exportConfig(loaded.value))).toEqual(doc);
      expect(JSON.parse(exportConfig(loaded.value, 'json'))).toEqual(doc);
      const missing = await loadRestConfigFile(join(dir, 'missing.yaml'));
      expect(missing.ok ? [] : missing.errors[0]).toMatch(/missing\.yaml: cannot read: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates without mutating the input', () => {
    const doc = oneTool({ requestTemplate: { url: URL } });
    const before = JSON.stringify(doc);
    expect(validateRestConfig(doc).ok).toBe(true);
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('accepts a toolSet config (validated; composed by the router)', () => {
    const config = compile({ toolSet: { name: 'all', serverTools: [{ serverName: 'time', tools: ['get-current-time'] }] } });
    expect(config.kind).toBe('toolSet');
  });
});
