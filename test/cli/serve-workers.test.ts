import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

/** `agate serve` on fixed free ports (so "nothing listened" can be checked on them), without Redis. */
async function serveArgs(): Promise<{ args: string[]; ports: number[] }> {
  const ports = [await freePort(), await freePort(), await freePort()];
  return { args: ['serve', '--port', String(ports[0]), '--admin-port', String(ports[1]), '--demo-port', String(ports[2])], ports };
}

/** Whether something accepts connections on 127.0.0.1:port. */
async function listening(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );
}

describe('agate serve --workers', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  // No Redis from the environment running the tests.
  const noRedis = { AGATE_REDIS_URL: '', AGATE_WORKERS: '' };

  const refusals: Array<[string, string[], NodeJS.ProcessEnv, number]> = [
    ['--workers 2', ['--workers', '2'], {}, 2],
    ['AGATE_WORKERS=3', [], { AGATE_WORKERS: '3' }, 3],
    ...(availableParallelism() > 1 ? [['--workers auto', ['--workers', 'auto'], {}, availableParallelism()] as [string, string[], NodeJS.ProcessEnv, number]] : []),
  ];
  it.each(refusals)('refuses %s without Redis, saying why, before anything listens or is written', async (_name, flags, env, n) => {
    const db = join(dir, `refused-${n}.db`);
    const { args, ports } = await serveArgs();
    const r = await runCli([...args, ...flags], db, { ...noRedis, ...env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${n} workers need --redis (or AGATE_REDIS_URL)`);
    // The why: sessions and limits would be per worker.
    expect(r.stderr).toContain('its next request answers 404');
    expect(r.stderr).toContain(`would admit ${n} times its limit`);
    expect(r.stderr).not.toContain('agate is running');
    for (const port of ports) expect(await listening(port)).toBe(false);
    // Not even the first-start seeding ran.
    const reg = Registry.open(db);
    try {
      expect(reg.routes.count()).toBe(0);
      expect(reg.instances.list()).toEqual([]);
    } finally {
      reg.close();
    }
  });

  it.each(['0', 'many', '1.5', '-2', '999'])('refuses --workers %s with a usage error naming the flag', async (value) => {
    const r = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--workers', value], join(dir, 'bad.db'), noRedis);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--workers: must be a whole number 1-256 or auto (got "${value}")`);
  });

  it('--workers 1 is the single process of today: no primary, no worker, one row with both listeners', async () => {
    const db = join(dir, 'one.db');
    const gw = await spawnServe(db, { args: ['--workers', '1'], env: noRedis });
    try {
      // Served (no route yet: the catalogue's 404), by the very process spawned.
      expect((await fetch(`${gw.url}/nothing-here`)).status).toBe(404);
      const reg = Registry.open(db);
      const rows = reg.instances.list();
      reg.close();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ pid: gw.child.pid, listeners: [{ name: 'gateway' }, { name: 'admin' }] });
      expect(rows[0]!.primaryPid).toBeUndefined();
      expect(gw.stderr()).not.toContain('workers ');
      const status = await (await fetch(`${gw.adminUrl}/status`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).json();
      expect(status.pid).toBe(gw.child.pid);
      expect(status.workers).toBeUndefined();
    } finally {
      expect((await gw.stop()).code).toBe(0);
    }
  });
});
