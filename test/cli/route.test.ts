import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const URL_A = 'http://127.0.0.1:9';
const URL_B = 'http://127.0.0.1:10';

describe('agate route / upstream / apply (spawned CLI)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  afterAll(() => tmp.cleanup());

  const cli = (...args: string[]) => runCli(args, db);
  const ok = (r: CliResult) => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const routes = async () => JSON.parse(ok(await cli('route', 'list', '--json'))) as Array<Record<string, unknown>>;

  describe('routes', () => {
    it('adds, lists, shows, updates and removes a route', async () => {
      expect(ok(await cli('route', 'add', 'echo', '--path', '/echo', '--upstream', URL_A, '--strip-prefix', '--method', 'get', 'post', '--timeout', '2s'))).toBe(
        `route echo added: /echo -> ${URL_A}\n`,
      );
      const stored = {
        name: 'echo',
        path: '/echo',
        upstream: URL_A,
        methods: ['GET', 'POST'],
        stripPrefix: true,
        timeoutMs: 2000,
        pathType: 'prefix',
        priority: 0,
        enabled: true,
      };
      expect(await routes()).toEqual([stored]);
      expect(JSON.parse(ok(await cli('route', 'show', 'echo', '--json')))).toEqual(stored);
      const shown = ok(await cli('route', 'show', 'echo'));
      expect(shown).toMatch(/^path\s+\/echo$/m);
      expect(shown).toMatch(/^methods\s+GET,POST$/m);
      const table = ok(await cli('route', 'list'));
      expect(table.split('\n')[0]).toMatch(/^NAME\s+HOST\s+PATH\s+/);
      expect(table).toMatch(/^echo\s+-\s+\/echo\s+prefix\s+GET,POST\s/m);

      const updated = JSON.parse(ok(await cli('route', 'update', 'echo', '--upstream', URL_B, '--priority', '5', '--json')));
      // Fields not given keep their values.
      expect(updated).toEqual({ ...stored, upstream: URL_B, priority: 5 });
      expect(await routes()).toEqual([updated]);

      expect(ok(await cli('route', 'remove', 'echo'))).toBe('route echo removed\n');
      expect(await routes()).toEqual([]);
      expect(ok(await cli('route', 'list'))).toContain('(none)');
    });

  });

  describe('route errors', () => {
    beforeAll(async () => {
      ok(await cli('route', 'add', 'dup', '--path', '/dup', '--upstream', URL_A));
    });

    it.each([
      { what: 'adding a route whose name is taken', args: ['route', 'add', 'dup', '--path', '/other', '--upstream', URL_A], code: 1, message: 'error: route "dup" already exists' },
      { what: 'removing a missing route', args: ['route', 'remove', 'missing'], code: 1, message: 'error: route "missing" not found' },
      { what: 'a route without --path', args: ['route', 'add', 'x', '--upstream', URL_A], code: 2, message: 'error: route.path: is required' },
      { what: 'an unknown subcommand', args: ['route', 'frobnicate'], code: 2, message: "error: unknown command 'frobnicate'" },
    ])('$what exits $code', async ({ args, code, message }) => {
      const before = await routes();
      const r = await cli(...args);
      expect(r.stderr).toContain(message);
      expect(r.code).toBe(code);
      expect(await routes()).toEqual(before);
    });
  });

  describe('upstreams', () => {
    it('adds an upstream with weighted targets and removes it once no route uses it', async () => {
      const added = JSON.parse(ok(await cli('upstream', 'add', 'pool', '--target', `${URL_A}=3`, '--target', URL_B, '--json')));
      expect(added).toEqual({ name: 'pool', balance: 'round-robin', targets: [{ url: URL_A, weight: 3 }, { url: URL_B, weight: 1 }] });
      expect(JSON.parse(ok(await cli('upstream', 'show', 'pool', '--json')))).toEqual(added);
      expect(ok(await cli('upstream', 'list'))).toMatch(new RegExp(`^pool\\s+round-robin\\s+${URL_A}=3,${URL_B}=1(\\s|$)`, 'm'));

      ok(await cli('route', 'add', 'uses-pool', '--path', '/pool', '--upstream', 'pool'));
      const refused = await cli('upstream', 'remove', 'pool');
      expect(refused.stderr).toBe('error: upstream "pool" is still in use\n');
      expect(refused.code).toBe(1);
      expect(JSON.parse(ok(await cli('upstream', 'list', '--json')))).toEqual([added]);

      ok(await cli('route', 'remove', 'uses-pool'));
      expect(ok(await cli('upstream', 'remove', 'pool'))).toBe('upstream pool removed\n');
      expect(JSON.parse(ok(await cli('upstream', 'list', '--json')))).toEqual([]);
    });

    it('keeps a URL with a port but no weight intact', async () => {
      const added = JSON.parse(ok(await cli('upstream', 'add', 'ports', '--target', 'http://127.0.0.1:8080/base', '--json')));
      expect(added.targets).toEqual([{ url: 'http://127.0.0.1:8080/base', weight: 1 }]);
      ok(await cli('upstream', 'remove', 'ports'));
    });
  });

  describe('apply -f', () => {
    const file = (name: string, text: string) => {
      const path = join(tmp.dir, name);
      writeFileSync(path, text);
      return path;
    };
    const good = [
      'upstreams:',
      '  - name: shop',
      '    targets:',
      `      - { url: "${URL_A}", weight: 2 }`,
      `      - url: "${URL_B}"`,
      'routes:',
      '  - { name: shop-api, path: /shop/api, upstream: shop, stripPrefix: true }',
      '  - { name: shop-web, path: /shop, upstream: shop }',
    ].join('\n');

    it('writes an upstream and the routes that reference it, then updates on re-apply only what changed', async () => {
      const before = (await routes()).filter((r) => !String(r.name).startsWith('shop'));
      expect(ok(await cli('apply', '-f', file('shop.yaml', good)))).toMatch(/: 3 created, 0 updated, 0 unchanged\n$/);
      const names = (await routes()).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['shop-api', 'shop-web']));
      expect(JSON.parse(ok(await cli('route', 'show', 'shop-api', '--json')))).toMatchObject({ path: '/shop/api', upstream: 'shop', stripPrefix: true });
      expect(JSON.parse(ok(await cli('upstream', 'show', 'shop', '--json'))).targets).toEqual([{ url: URL_A, weight: 2 }, { url: URL_B, weight: 1 }]);

      expect(ok(await cli('apply', '-f', file('shop-again.yaml', good.replace('path: /shop,', 'path: /store,'))))).toMatch(/: 0 created, 1 updated, 2 unchanged\n$/);
      expect(JSON.parse(ok(await cli('route', 'show', 'shop-web', '--json'))).path).toBe('/store');
      expect((await routes()).filter((r) => !String(r.name).startsWith('shop'))).toEqual(before);
    });

    it('accepts JSON', async () => {
      const doc = { routes: [{ name: 'from-json', path: '/json', upstream: URL_A }] };
      expect(ok(await cli('apply', '-f', file('doc.json', JSON.stringify(doc))))).toMatch(/1 created/);
      expect(JSON.parse(ok(await cli('route', 'show', 'from-json', '--json'))).path).toBe('/json');
    });

    it.each<[string, string, string]>([
      [
        'one bad route among good ones',
        good.replace('path: /shop/api', 'path: shop/api').replace(/shop/g, 'mall'),
        'error: routes[0]: route.path: must start with "/"',
      ],
      ['a bad upstream target', good.replace(`url: "${URL_B}"`, 'url: "ftp://x"').replace(/shop/g, 'mall'), 'error: upstreams[0]: upstream.targets[1].url: must be an http:// or https:// URL'],
      ['a route naming an upstream that does not exist', good.replace('upstream: shop }', 'upstream: nowhere }').replace(/shop/g, 'mall'), 'error: routes[1]: route.upstream: no upstream named "nowhere"'],
      ['an unknown top-level key', `${good.replace(/shop/g, 'mall')}\nplugins: []\n`, 'plugins: is not allowed'],
      ['YAML that does not parse', 'routes: [ { name: x', 'is not valid YAML'],
      ['routes that are not a list', 'routes: { name: x }', 'routes: must be an array'],
    ])('%s: exit 2, nothing written', async (_what, text, message) => {
      const before = JSON.stringify({ routes: await routes(), upstreams: JSON.parse(ok(await cli('upstream', 'list', '--json'))) });
      const r = await cli('apply', '-f', file('bad.yaml', text));
      expect(r.stderr).toContain(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(JSON.stringify({ routes: await routes(), upstreams: JSON.parse(ok(await cli('upstream', 'list', '--json'))) })).toBe(before);
    });

    it('a missing file is a usage error', async () => {
      const r = await cli('apply', '-f', join(tmp.dir, 'nope.yaml'));
      expect(r.stderr).toContain('cannot read');
      expect(r.code).toBe(2);
    });
  });

  describe('the program', () => {
    // Command groups are loaded on demand; help and unknown names must still see all of them.
    it('lists every command group in --help', async () => {
      const r = await cli('--help');
      expect(r.code).toBe(0);
      for (const group of ['serve', 'route', 'upstream', 'apply', 'status']) expect(r.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    });

    it('rejects an unknown command with exit 2', async () => {
      const r = await cli('frobnicate');
      expect(r.stderr).toContain("error: unknown command 'frobnicate'");
      expect(r.code).toBe(2);
    });
  });

  describe('--db and AGATE_DB', () => {
    let other: string;
    beforeAll(() => {
      other = join(tmp.dir, 'other.db');
    });
    it('uses AGATE_DB when --db is absent, and --db wins over it', async () => {
      const { spawn } = await import('node:child_process');
      const { CLI_PATH } = await import('../helpers/cli.js');
      const run = (args: string[]) =>
        new Promise<CliResult>((resolve) => {
          const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, AGATE_DB: other } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (c) => (stdout += c));
          child.stderr.on('data', (c) => (stderr += c));
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        });
      ok(await run(['route', 'add', 'env-route', '--path', '/env', '--upstream', URL_A]));
      expect(JSON.parse(ok(await run(['route', 'list', '--json']))).map((r: { name: string }) => r.name)).toEqual(['env-route']);
      expect((await routes()).map((r) => r.name)).not.toContain('env-route');
      expect(JSON.parse(ok(await run(['--db', db, 'route', 'list', '--json']))).map((r: { name: string }) => r.name)).not.toContain('env-route');
    });
  });
});
