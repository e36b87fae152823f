import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

interface StatusJson {
  registry: string;
  configVersion: number;
  counts: Record<string, number>;
  gateways: Array<{
    pid: number;
    running: boolean;
    listeners: Array<{ name: string; url: string }>;
    snapshotVersion: number | null;
    lastReloadAt: string | null;
    lastReloadError: string | null;
  }>;
}

describe('agate status', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  let upstream: LoopbackUpstream;
  let serve: ServeProcess | undefined;

  const status = async (): Promise<StatusJson> => {
    const r = await runCli(['status', '--json'], db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    upstream = await startUpstream('status-upstream');
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await upstream.close();
    tmp.cleanup();
  });

  it('reports no gateway when none runs', async () => {
    const r = await runCli(['route', 'add', 'first', '--path', '/first', '--upstream', upstream.url], db);
    expect(r.code).toBe(0);
    const s = await status();
    expect(s).toMatchObject({ registry: db, configVersion: expect.any(Number), counts: { routes: 1, upstreams: 0 }, gateways: [] });
    const text = await runCli(['status'], db);
    expect(text.stdout).toMatch(/^gateways\s+none running$/m);
  });

  it('shows a running gateway: snapshot version, last reload, no error, and listeners that answer', async () => {
    const startedAt = Date.now();
    serve = await spawnServe(db);
    const s = await status();
    const gw = s.gateways.find((g) => g.pid === serve!.child.pid);
    expect(gw).toBeDefined();
    expect(gw).toMatchObject({ running: true, snapshotVersion: s.configVersion, lastReloadError: null });
    expect(Date.parse(gw!.lastReloadAt!)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(gw!.listeners.map((l) => l.name).sort()).toEqual(['admin', 'gateway']);

    // The listeners are real: the data plane serves the route, the admin API answers its health probe.
    const data = gw!.listeners.find((l) => l.name === 'gateway')!.url;
    const admin = gw!.listeners.find((l) => l.name === 'admin')!.url;
    expect(new URL(admin).hostname).toBe('127.0.0.1');
    const res = await fetch(`${data}/first/x`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ upstream: 'status-upstream', url: '/first/x' });
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);

    const text = (await runCli(['status'], db)).stdout;
    expect(text).toContain(`gateway pid ${serve.child.pid} on `);
    expect(text).toMatch(new RegExp(`^\\s+snapshot\\s+version ${s.configVersion}$`, 'm'));
    expect(text).toMatch(/^\s+last error\s+none$/m);
  });

  it('follows a change: the new snapshot version and reload time are reported', async () => {
    const before = (await status()).gateways[0]!;
    const r = await runCli(['route', 'add', 'second', '--path', '/second', '--upstream', upstream.url], db);
    expect(r.code).toBe(0);
    const after = await waitFor(async () => {
      const s = await status();
      const g = s.gateways[0]!;
      return g.snapshotVersion === s.configVersion && g.snapshotVersion !== before.snapshotVersion ? { s, g } : undefined;
    }, 'the gateway to report the new snapshot', 10_000);
    expect(after.g.snapshotVersion).toBeGreaterThan(before.snapshotVersion!);
    expect(Date.parse(after.g.lastReloadAt!)).toBeGreaterThan(Date.parse(before.lastReloadAt!));
    expect(after.s.counts.routes).toBe(2);
  });

  it('forgets the gateway after a clean shutdown', async () => {
    const exit = await serve!.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect((await status()).gateways).toEqual([]);
  });
});
