import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry, type AuditEntry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const URL_A = 'http://127.0.0.1:9';

type Expected = Pick<AuditEntry, 'interface' | 'action' | 'entity' | 'name'>;

describe('audit log', () => {
  let gw: TestGateway;
  let reader: Registry;

  beforeAll(async () => {
    gw = await startTestGateway();
    reader = Registry.open(gw.dbPath);
  });
  afterAll(async () => {
    reader.close();
    await gw.stop();
  });

  const newest = (n: number) =>
    reader.audit
      .list(n)
      .reverse()
      .map(({ interface: i, action, entity, name }) => ({ interface: i, action, entity, name }));
  const lastId = () => reader.audit.list(1)[0]?.id ?? 0;

  const apply = () => {
    const file = join(gw.dbPath, '..', 'apply.yaml');
    writeFileSync(
      file,
      [
        'upstreams:',
        '  - name: applied-pool',
        `    targets: [{ url: "${URL_A}" }]`,
        'routes:',
        '  - { name: applied-route, path: /applied, upstream: applied-pool }',
        '  - { name: cli-route, path: /cli-v3, upstream: cli-pool }',
      ].join('\n'),
    );
    return ['apply', '-f', file];
  };

  // In order: each step runs against the state the previous ones left.
  const cliSteps: Array<[string, () => string[], Expected[]]> = [
    ['upstream add', () => ['upstream', 'add', 'cli-pool', '--target', URL_A], [{ interface: 'cli', action: 'create', entity: 'upstream', name: 'cli-pool' }]],
    ['route add', () => ['route', 'add', 'cli-route', '--path', '/cli', '--upstream', 'cli-pool'], [{ interface: 'cli', action: 'create', entity: 'route', name: 'cli-route' }]],
    ['route update', () => ['route', 'update', 'cli-route', '--path', '/cli-v2'], [{ interface: 'cli', action: 'update', entity: 'route', name: 'cli-route' }]],
    [
      'apply -f',
      apply,
      [
        { interface: 'cli', action: 'create', entity: 'upstream', name: 'applied-pool' },
        { interface: 'cli', action: 'create', entity: 'route', name: 'applied-route' },
        { interface: 'cli', action: 'update', entity: 'route', name: 'cli-route' },
      ],
    ],
    ['route remove', () => ['route', 'remove', 'cli-route'], [{ interface: 'cli', action: 'delete', entity: 'route', name: 'cli-route' }]],
    ['upstream remove', () => ['upstream', 'remove', 'cli-pool'], [{ interface: 'cli', action: 'delete', entity: 'upstream', name: 'cli-pool' }]],
  ];

  it.each(cliSteps)('agate %s leaves an audit row per change', async (_what, args, expected) => {
    const before = lastId();
    const r = await runCli(args(), gw.dbPath);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(reader.audit.list(100).filter((a) => a.id > before)).toHaveLength(expected.length);
    expect(newest(expected.length)).toEqual(expected);
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(gw.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const adminSteps: Array<[string, string, unknown, number, Expected]> = [
    ['POST', '/upstreams', { name: 'api-pool', targets: [{ url: URL_A }] }, 201, { interface: 'admin-api', action: 'create', entity: 'upstream', name: 'api-pool' }],
    ['PUT', '/upstreams/api-pool', { targets: [{ url: URL_A, weight: 2 }] }, 200, { interface: 'admin-api', action: 'update', entity: 'upstream', name: 'api-pool' }],
    ['POST', '/routes', { name: 'api-route', path: '/api', upstream: 'api-pool' }, 201, { interface: 'admin-api', action: 'create', entity: 'route', name: 'api-route' }],
    ['PUT', '/routes/api-route', { path: '/api-v2', upstream: 'api-pool' }, 200, { interface: 'admin-api', action: 'update', entity: 'route', name: 'api-route' }],
    ['DELETE', '/routes/api-route', undefined, 204, { interface: 'admin-api', action: 'delete', entity: 'route', name: 'api-route' }],
    ['DELETE', '/upstreams/api-pool', undefined, 204, { interface: 'admin-api', action: 'delete', entity: 'upstream', name: 'api-pool' }],
  ];

  it.each(adminSteps)('admin API %s %s leaves one audit row', async (method, path, body, status, expected) => {
    const before = lastId();
    const res = await api(method, path, body);
    expect(res.status).toBe(status);
    expect(reader.audit.list(100).filter((a) => a.id > before)).toHaveLength(1);
    expect(newest(1)).toEqual([expected]);
  });

  it('records what was written (the stored spec) and when', async () => {
    const res = await api('POST', '/routes', { name: 'detailed', path: '/d', upstream: URL_A });
    expect(res.status).toBe(201);
    const [row] = reader.audit.list(1);
    expect(row).toMatchObject({ interface: 'admin-api', action: 'create', entity: 'route', name: 'detailed' });
    expect(row!.detail).toMatchObject({ name: 'detailed', path: '/d', upstream: URL_A, pathType: 'prefix' });
    expect(Math.abs(Date.parse(row!.at) - Date.now())).toBeLessThan(60_000);
  });

  it.each<[string, () => Promise<unknown>]>([
    ['a CLI validation failure', () => runCli(['route', 'add', 'bad', '--path', 'nope', '--upstream', URL_A], gw.dbPath)],
    ['a CLI conflict', () => runCli(['route', 'add', 'detailed', '--path', '/d', '--upstream', URL_A], gw.dbPath)],
    ['an admin API validation failure', () => api('POST', '/routes', { name: 'bad', path: 'nope', upstream: URL_A })],
    ['an admin API delete of a missing route', () => api('DELETE', '/routes/missing')],
  ])('%s leaves no audit row', async (_what, attempt) => {
    const before = lastId();
    await attempt();
    expect(lastId()).toBe(before);
  });
});
