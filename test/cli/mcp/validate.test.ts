import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const tmp = tempDir();
const db = join(tmp.dir, 'agate.db');
const file = (name: string, text: string) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};
// The Higress corpus lives beside the repository (CI sees it at ../shared/compat); skipped where absent.
const CORPUS = join(packageRoot(), '..', 'shared', 'compat', 'higress-mcp-servers');
const corpus = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort() : [];

afterAll(() => tmp.cleanup());

describe('agate mcp validate', () => {
  it.skipIf(corpus.length === 0)('accepts every config of the Higress corpus unchanged (exit 0)', async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(39);
    // One process per file, as a user runs it; four at a time keeps the two shared cores busy but not swamped.
    for (let i = 0; i < corpus.length; i += 4) {
      const results = await Promise.all(corpus.slice(i, i + 4).map(async (f) => ({ f, r: await runCli(['mcp', 'validate', join(CORPUS, f)], db) })));
      for (const { f, r } of results) {
        expect({ f, code: r.code, stderr: r.stderr.split('\n').filter((l) => l.startsWith('error')) }).toEqual({ f, code: 0, stderr: [] });
        expect(r.stdout).toMatch(/: ok \(server \S+, \d+ tools?: /);
      }
    }
  }, 120_000);

  it('the shipped time config validates, with its one tool', async () => {
    const r = await runCli(['mcp', 'validate', join(packageRoot(), 'servers', 'time', 'mcp-time.yaml'), '--json'], db);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, kind: 'server', name: 'time', tools: ['get-current-time'] });
  });

  it.each([
    [
      'a wrong field type',
      'server:\n  name: bad\ntools:\n  - name: get_weather\n    description: x\n    args:\n      - name: city\n        type: 5\n    responseTemplate:\n      body: ok\n',
      ':8:15: tools[0] (get_weather).args[0].type: must be string',
    ],
    [
      'an unknown field',
      'server:\n  name: bad\ntools:\n  - name: t\n    description: x\n    responseTemplate:\n      body: ok\n      colour: red\n',
      ':8:15: tools[0] (t).responseTemplate.colour: is not allowed',
    ],
    [
      'a template syntax error',
      'server:\n  name: bad\ntools:\n  - name: t\n    description: x\n    responseTemplate:\n      body: "{{ .city "\n',
      ':7:13: tools[0] (t).responseTemplate.body: template syntax error at line 1, column',
    ],
    ['broken YAML', 'server:\n  name: x\n tools: [\n', ':3:1: '],
    ['neither server nor toolSet', 'allowTools: []\n', ': must have a server or a toolSet'],
  ])('refuses %s: exit 2, with line and column', async (_what, text, expected) => {
    const path = file(`bad-${expected.length}.yaml`, text);
    const r = await runCli(['mcp', 'validate', path], db);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: ${path}${expected}`);
  });

  it('reports a missing required field at its parent, and JSON output carries line and column', async () => {
    const path = file('missing.yaml', 'server:\n  name: bad\ntools:\n  - description: no name\n    responseTemplate:\n      body: ok\n');
    const r = await runCli(['mcp', 'validate', path, '--json'], db);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, problems: [{ line: 4, column: 5, path: 'tools[0].name', message: 'is required' }] });
  });

  it('a toolSet validates and names its tools as Higress does', async () => {
    const path = file('ts.yaml', 'toolSet:\n  name: all\n  serverTools:\n    - serverName: time\n      tools: [get-current-time]\n');
    const r = await runCli(['mcp', 'validate', path], db);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok (toolSet all, 1 tool: time___get-current-time)');
  });

  it('an OpenAPI spec is validated through the converter', async () => {
    const spec = join(packageRoot(), 'test', 'servers', 'rest-to-mcp', 'fixtures', 'petstore-refs.yaml');
    const r = await runCli(['mcp', 'validate', spec], db);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok \(server petstore-refs, \d+ tools: .*listPets/);
    const noBase = file('nobase.yaml', 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n');
    const refused = await runCli(['mcp', 'validate', noBase], db);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --base-url');
  });

  it('a file that cannot be read is a usage error', async () => {
    const r = await runCli(['mcp', 'validate', join(tmp.dir, 'absent.yaml')], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read');
  });
});
