import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Registry, RegistryError, formatErrors, packageRoot, validateEntity, type EntityKind } from '../../registry/index.js';
import { schemaValidator, uncachedValidator } from '../../registry/validation.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const URL_A = 'http://127.0.0.1:9';

/** A problem line that starts with `prefix` (messages may add detail after the field's rule). */
const lineStartingWith = (prefix: string) => expect.stringMatching(new RegExp('^' + prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

type Kind = 'route' | 'upstream' | 'consumer' | 'mcpServer' | 'llmProvider' | 'secret';

describe('entity schemas', () => {
  let registry: Registry;
  beforeAll(() => {
    registry = Registry.open(':memory:');
  });
  afterAll(() => registry.close());

  /** The validation the CLI and admin API use: the schema plus the repository's cross-entity checks. */
  function problemsOf(kind: Kind, input: unknown): string[] {
    if (kind === 'secret') {
      const r = validateEntity('secret', input);
      return r.ok ? [] : r.errors;
    }
    const store = { route: registry.routes, upstream: registry.upstreams, consumer: registry.consumers.store, mcpServer: registry.mcpServers, llmProvider: registry.llmProviders }[kind];
    try {
      store.validate(input);
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).kind).toBe('validation');
      return (err as RegistryError).problems;
    }
  }

  const route = { name: 'r', path: '/x', upstream: URL_A };
  const upstream = { name: 'u', targets: [{ url: URL_A }] };
  it.each<[Kind, unknown, string]>([
    ['route', { ...route, path: 'x' }, 'route.path: must start with "/"'],
    ['route', { ...route, foo: 1 }, 'route.foo: is not allowed'],
    ['route', { name: 'r', path: '/x' }, 'route.upstream: is required'],
    ['route', { ...route, name: 'Bad Name' }, 'route.name: must be 1-63 characters'],
    ['route', { ...route, pathType: 'glob' }, 'route.pathType: must be one of "prefix", "exact", "regex"'],
    ['route', { ...route, methods: ['FETCH'] }, 'route.methods[0]: must be one of "GET"'],
    ['route', { ...route, priority: 5000 }, 'route.priority: must be <= 1000'],
    ['route', { ...route, timeoutMs: 0 }, 'route.timeoutMs: must be >= 1'],
    ['route', { ...route, host: 'exa mple' }, 'route.host: must be a host name'],
    ['route', { ...route, upstream: 'nosuch' }, 'route.upstream: no upstream named "nosuch"'],
    ['route', { ...route, upstream: 'ftp://x' }, 'route.upstream: must be an http:// or https:// URL or the name of an upstream'],
    ['route', { ...route, path: '/(', pathType: 'regex' }, 'route.path: is not a valid regular expression'],
    ['route', 'just a string', 'route: must be object'],
    ['upstream', { name: 'u', targets: [{ url: 'ftp://x' }] }, 'upstream.targets[0].url: must be an http:// or https:// URL'],
    ['upstream', { name: 'u', targets: [] }, 'upstream.targets: must NOT have fewer than 1 items'],
    ['upstream', { name: 'u' }, 'upstream.targets: is required'],
    ['upstream', { name: 'u', targets: [{ url: URL_A }, { url: URL_A, weight: -1 }] }, 'upstream.targets[1].weight: must be >= 0'],
    ['upstream', { name: 'u', targets: [{ url: URL_A, extra: 1 }] }, 'upstream.targets[0].extra: is not allowed'],
    ['upstream', { name: 'u', targets: [{ url: URL_A, weight: 0 }] }, 'upstream.targets: at least one target needs a weight above 0'],
    ['consumer', { name: 'c', groups: ['Admins'] }, 'consumer.groups[0]: must be 1-63 characters'],
    ['consumer', { name: 'c', groups: ['a', 'a'] }, 'consumer.groups: must NOT have duplicate items'],
    ['consumer', { name: 'c', description: 'x'.repeat(501) }, 'consumer.description: must NOT have more than 500 characters'],
    ['mcpServer', { name: 'm' }, 'mcpServer.backend: is required'],
    ['mcpServer', { name: 'm', backend: { kind: 'ftp' } }, 'mcpServer.backend.kind: must be one of "hosted"'],
    ['mcpServer', { name: 'm', backend: { kind: 'remote' } }, 'mcpServer.backend.url: is required'],
    ['llmProvider', { name: 'p', type: 'Open AI' }, 'llmProvider.type: must be a provider type such as openai'],
    ['llmProvider', { name: 'p', type: 'openai', baseUrl: 'api.openai.com' }, 'llmProvider.baseUrl: must be an http:// or https:// URL'],
    ['llmProvider', { type: 'openai' }, 'llmProvider.name: is required'],
    ['secret', { name: 's', value: '' }, 'secret.value: must NOT have fewer than 1 characters'],
    ['secret', { name: 's' }, 'secret.value: is required'],
    ['secret', { name: 's', value: 'v', note: 'x' }, 'secret.note: is not allowed'],
  ])('%s rejects a bad example, naming the field (%#): %s', (kind, input, expected) => {
    expect(problemsOf(kind, input)).toEqual(expect.arrayContaining([lineStartingWith(expected)]));
  });

  it.each<[Kind, unknown, Record<string, unknown>]>([
    ['route', route, { pathType: 'prefix', stripPrefix: false, priority: 0, timeoutMs: 30000, enabled: true }],
    ['upstream', upstream, { targets: [{ url: URL_A, weight: 1 }], balance: 'round-robin' }],
    ['consumer', { name: 'c' }, { groups: [] }],
    ['mcpServer', { name: 'm', backend: { kind: 'remote', url: URL_A } }, { enabled: true, backend: { kind: 'remote', url: URL_A, transport: 'streamable-http' } }],
    ['llmProvider', { name: 'p', type: 'openai' }, { keySecrets: [] }],
  ])('%s fills in defaults on a frozen copy', (kind, input, defaults) => {
    const before = structuredClone(input);
    const result = validateEntity<Record<string, unknown>>(kind, input);
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.value).toMatchObject({ ...(input as object), ...defaults });
    expect(Object.isFrozen(result.value)).toBe(true);
    expect(input).toEqual(before);
  });

  // Run time skips the meta-schema check (it cost every CLI start ~40 ms), so it is done here.
  it.each(readdirSync(join(packageRoot(), 'schemas')).filter((f) => f.endsWith('.schema.json')))('%s is a valid 2020-12 schema with an $id', (file) => {
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', file), 'utf8'));
    const ajv = new Ajv2020({ strict: true, discriminator: true });
    ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(schema.$id).toBe(`https://agate.dev/schemas/${file}`);
  });

  // The validators are cached as generated code across processes: they must behave exactly as fresh ones.
  it.each<[EntityKind, unknown]>([
    ['route', { name: 'Bad', path: 'x', upstream: 1, colour: 'red', methods: ['FETCH'], priority: 1e6 }],
    ['route', { name: 'ok', path: '/x', upstream: URL_A }],
    ['upstream', { name: 'u', targets: [{ url: 'ftp://x', weight: -1 }, {}] }],
    ['mcpServer', { name: 'm', backend: { kind: 'remote' } }],
    ['consumer', { name: 'c', groups: ['a', 'a', 'B'] }],
    ['secret', { name: 's', value: '' }],
  ])('a cached %s validator agrees with a freshly compiled one on %j', (kind, input) => {
    const run = (fn: ReturnType<typeof schemaValidator>) => {
      const value = structuredClone(input);
      const ok = fn(value);
      return { ok, value, errors: formatErrors(kind, fn.errors ?? []) };
    };
    expect(run(schemaValidator(kind))).toEqual(run(uncachedValidator(kind)));
  });

  it('leaves explicit values alone', () => {
    const result = validateEntity('route', { ...route, pathType: 'exact', priority: -3, enabled: false });
    expect(result).toMatchObject({ ok: true, value: { pathType: 'exact', priority: -3, enabled: false } });
  });
});

describe('the CLI on bad input', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');

  beforeAll(async () => {
    for (const args of [
      ['upstream', 'add', 'pool', '--target', URL_A],
      ['route', 'add', 'r1', '--path', '/one', '--upstream', 'pool'],
    ]) {
      const r = await runCli(args, db);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
  afterAll(() => tmp.cleanup());

  /** Everything a write could touch: routes as the CLI prints them, upstreams, the audit log and the version. */
  async function contents(): Promise<string> {
    const routes = await runCli(['route', 'list', '--json'], db);
    expect(routes.code, routes.stderr).toBe(0);
    const raw = new Database(db, { readonly: true });
    try {
      return JSON.stringify({
        routes: routes.stdout,
        upstreams: raw.prepare('SELECT * FROM upstreams ORDER BY name').all(),
        targets: raw.prepare('SELECT * FROM upstream_targets ORDER BY upstream, position').all(),
        audit: raw.prepare('SELECT * FROM audit_log ORDER BY id').all(),
        version: raw.prepare('SELECT version FROM config_version').get(),
      });
    } finally {
      raw.close();
    }
  }

  it.each<[string[], string]>([
    [['route', 'add', 'r2', '--path', 'x', '--upstream', URL_A], 'error: route.path: must start with "/"'],
    [['route', 'add', 'R2', '--path', '/x', '--upstream', URL_A], 'error: route.name: must be 1-63 characters'],
    [['route', 'add', 'r2', '--path', '/x', '--upstream', 'nosuch'], 'error: route.upstream: no upstream named "nosuch"'],
    [['route', 'add', 'r2', '--path', '/x', '--upstream', URL_A, '--path-type', 'glob'], 'error: route.pathType: must be one of'],
    [['route', 'add', 'r2', '--path', '/x', '--upstream', URL_A, '--priority', 'high'], 'error: route.priority: must be an integer'],
    [['route', 'add', 'r2', '--path', '/x', '--upstream', URL_A, '--timeout', 'soon'], 'error: route.timeoutMs: must be a duration'],
    [['route', 'add', 'r2', '--path', '/x', '--upstream', URL_A, '--method', 'FETCH'], 'error: route.methods[0]: must be one of'],
    [['route', 'add', 'r2', '--path', '/(', '--path-type', 'regex', '--upstream', URL_A], 'error: route.path: is not a valid regular expression'],
    [['route', 'update', 'r1', '--path', 'nope'], 'error: route.path: must start with "/"'],
    [['upstream', 'add', 'u2', '--target', 'ftp://x'], 'error: upstream.targets[0].url: must be an http:// or https:// URL'],
    [['upstream', 'add', 'u2', '--target', `${URL_A}=0`], 'error: upstream.targets: at least one target needs a weight above 0'],
    [['route', 'add', 'r2', '--path', '/x', '--upstream', URL_A, '--no-such-flag'], "error: unknown option '--no-such-flag'"],
  ])('agate %j exits 2 with the message and writes nothing', async (args, message) => {
    const before = await contents();
    const r = await runCli(args, db);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(await contents()).toBe(before);
  });
});
