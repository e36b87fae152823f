import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Needs the compiled CLI: `npx tsc -p tsconfig.json` first.
describe('agate route/upstream/consumer/apply (proxy features)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  beforeAll(async () => {
    expect((await runCli(['upstream', 'add', 'backup', '--target', 'http://127.0.0.1:9'], db)).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it.each([
    [['upstream', 'add', 'pool', '--target', 'http://127.0.0.1:1=3', 'http://127.0.0.1:2', '--hash-header', 'x-user', '--health-path', '/healthz', '--eject-after', '3', '--fallback', 'backup'], 0],
    [['upstream', 'add', 'bad', '--target', 'http://127.0.0.1:1', '--balance', 'random'], 2],
    [['route', 'add', 'r1', '--path-prefix', '/api', '--upstream', 'pool', '--host', '*.example.com', '--match-header', 'x-user-type=premium', '--match-query', '!debug', '--canary-upstream', 'backup', '--canary-header', 'x-canary=always', '--weight', '10', '--rewrite-prefix', '/v2', '--retries', '2', '--timeout', '5s', '--idle-timeout', '30s', '--rate-limit', '100/s', '--consumers', 'alice,team-a', '--set-header', 'x-env=prod', '--max-body', '1mb', '--deny-ip', '10.0.0.0/8'], 0],
    [['route', 'add', 'r2', '--path-prefix', '/x', '--upstream', 'pool', '--rate-limit', 'lots'], 2],
    [['route', 'add', 'r3', '--path-prefix', '/old', '--redirect', 'https://new.example', '--redirect-status', '301'], 0],
    [['route', 'add', 'r4', '--path-prefix', '/x', '--upstream', 'pool', '--match-header', 'x~(['], 2],
    [['consumer', 'add', 'alice', '--group', 'team-a'], 0],
  ])('agate %j exits %i', async (args, code) => {
    const res = await runCli(args, db);
    expect(res.code, res.stderr).toBe(code);
    if (code === 2) expect(res.stderr).toMatch(/^error: /m);
  });

  it('stored the route with every feature', () => {
    const r = Registry.open(db);
    try {
      expect(r.routes.get('r1')).toMatchObject({
        path: '/api',
        pathType: 'prefix',
        host: '*.example.com',
        headers: [{ name: 'x-user-type', exact: 'premium' }],
        query: [{ name: 'debug', present: false }],
        canary: { upstream: 'backup', header: 'x-canary', headerValue: 'always', weight: 10 },
        rewrite: { prefix: '/v2' },
        retries: { attempts: 2 },
        timeoutMs: 5000,
        timeouts: { idleMs: 30000 },
        rateLimit: { requests: 100, per: 'second' },
        auth: { allow: ['alice', 'team-a'] },
        requestHeaders: { set: { 'x-env': expect.stringMatching(/^sealed:v1:/) } },
        maxBodyBytes: 1024 * 1024,
        ipDeny: ['10.0.0.0/8'],
      });
      expect(r.upstreams.get('pool')).toMatchObject({ balance: 'consistent-hash', hashOn: { source: 'header', name: 'x-user' }, outlier: { consecutiveFailures: 3 }, fallback: ['backup'] });
      expect(r.routes.get('r2')).toBeUndefined();
    } finally {
      r.close();
    }
  });

  it('route update merges nested settings', async () => {
    expect((await runCli(['route', 'update', 'r1', '--retries', '3', '--retry-on', 'connect-failure,statuses'], db)).code).toBe(0);
    const r = Registry.open(db);
    try {
      expect(r.routes.get('r1')!.retries).toMatchObject({ attempts: 3, on: ['connect-failure', 'statuses'] });
      expect(r.routes.get('r1')!.rateLimit).toMatchObject({ requests: 100 });
    } finally {
      r.close();
    }
  });

  it('consumer add prints a key once; the registry holds only its hash', async () => {
    const res = await runCli(['consumer', 'add', 'bob', '--json'], db);
    expect(res.code).toBe(0);
    const key = JSON.parse(res.stdout).key as string;
    expect(key).toMatch(/^agk_/);
    const more = await runCli(['consumer', 'key', 'add', 'bob'], db);
    expect(more.stdout).toMatch(/agk_/);
    const list = await runCli(['consumer', 'list', '--json'], db);
    expect(list.stdout).not.toContain(key);
    expect(JSON.parse(list.stdout).find((c: { name: string }) => c.name === 'bob').keys).toBe(2);
  });

  it('apply -f validates consumers, upstreams and routes as a whole: one bad entry writes nothing', async () => {
    const file = join(tmp.dir, 'config.yaml');
    writeFileSync(
      file,
      ['consumers:', '  - name: carol', '    groups: [ops]', 'routes:', '  - name: applied', '    path: /applied', '    upstream: pool', '    auth: { allow: [ops] }', '  - name: broken', '    path: nope', '    upstream: pool'].join('\n'),
    );
    const bad = await runCli(['apply', '-f', file], db);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('routes[1]: route.path');
    const r = Registry.open(db);
    try {
      expect(r.consumers.store.get('carol')).toBeUndefined();
      expect(r.routes.get('applied')).toBeUndefined();
    } finally {
      r.close();
    }
    writeFileSync(file, ['consumers:', '  - name: carol', '    groups: [ops]', 'routes:', '  - name: applied', '    path: /applied', '    upstream: pool', '    auth: { allow: [ops] }'].join('\n'));
    const ok = await runCli(['apply', '-f', file], db);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
