import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

// `agate serve --trusted-proxy` (env AGATE_TRUSTED_PROXIES): behind a load balancer on a trusted address, the client
// is the one X-Forwarded-For names (per-IP limits, IP allow/deny, per-client caps see it); from any other peer the
// header is ignored. Without the flag, every client of a replica behind nginx was nginx.

describe('agate serve --trusted-proxy', () => {
  const { dir, cleanup } = tempDir();
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    upstream = await startUpstream('u');
  });
  afterAll(async () => {
    await upstream?.close();
    cleanup();
  });

  /** A registry with one route that denies 6.6.6.0/24. */
  function registryWithDeny(name: string): string {
    const db = join(dir, `${name}.db`);
    const registry = Registry.open(db);
    registry.routes.create({ name: 'api', path: '/api', upstream: upstream.url, ipDeny: ['6.6.6.0/24'] }, 'cli');
    registry.close();
    return db;
  }

  it.each(['10.0.0.300', 'nginx', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1'])('refuses %s with a usage error naming the flag', async (entry) => {
    const r = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--trusted-proxy', entry], join(dir, 'refused.db'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--trusted-proxy: "${entry}" is not an IP address or CIDR`);
  });

  it.each([
    { how: 'the flag', options: { args: ['--trusted-proxy', '10.0.0.0/8', '127.0.0.1'] } },
    { how: 'AGATE_TRUSTED_PROXIES', options: { env: { AGATE_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' } } },
  ])('takes the client from X-Forwarded-For of a trusted peer ($how)', async ({ how, options }) => {
    const gw = await spawnServe(registryWithDeny(`trusted-${how.length}`), { ...options, readyTimeoutMs: 60_000 });
    try {
      const denied = await fetch(`${gw.url}/api/x`, { headers: { 'x-forwarded-for': '6.6.6.6' } });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('GW_ERR_IP_DENIED');
      expect((await fetch(`${gw.url}/api/x`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
      expect(upstream.requests.at(-1)!.headers['x-real-ip']).toBe('203.0.113.7');
    } finally {
      await gw.stop();
    }
  });

  it('ignores X-Forwarded-For without it (a client cannot pick its own address)', async () => {
    const gw = await spawnServe(registryWithDeny('untrusted'), { readyTimeoutMs: 60_000 });
    try {
      expect((await fetch(`${gw.url}/api/x`, { headers: { 'x-forwarded-for': '6.6.6.6' } })).status).toBe(200);
      expect(upstream.requests.at(-1)!.headers['x-real-ip']).toBe('127.0.0.1');
    } finally {
      await gw.stop();
    }
  });
});
