import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

const CHANGES = 100;
const CLIENTS = 4;

describe('reload under load', () => {
  let gw: TestGateway;
  let a: LoopbackUpstream;
  let b: LoopbackUpstream;
  let writer: Registry;

  beforeAll(async () => {
    gw = await startTestGateway();
    // Two equivalent upstreams: the route under test is re-pointed between them while traffic flows.
    a = await startUpstream('a', (_req, res) => res.end('ok'));
    b = await startUpstream('b', (_req, res) => res.end('ok'));
    // A second connection, as the CLI in another process would have.
    writer = Registry.open(gw.dbPath);
    writer.upstreams.create({ name: 'pool-a', targets: [{ url: a.url }] }, 'cli');
    writer.upstreams.create({ name: 'pool-b', targets: [{ url: b.url }] }, 'cli');
    writer.routes.create({ name: 'stable', path: '/stable', upstream: 'pool-a' }, 'cli');
    await waitFor(async () => (await fetch(`${gw.url}/stable/x`)).status === 200, 'the stable route');
  });
  afterAll(async () => {
    writer.close();
    await gw.stop();
    await a.close();
    await b.close();
  });

  /** Change number `i`: add, update or remove some other route, or re-point the route under test. */
  function change(i: number): void {
    switch (i % 4) {
      case 0:
        writer.routes.create({ name: `other-${i}`, path: `/other/${i}`, upstream: i % 8 === 0 ? 'pool-a' : b.url }, 'cli');
        break;
      case 1:
        writer.routes.update({ name: `other-${i - 1}`, path: `/other/${i - 1}/v2`, upstream: 'pool-b', priority: 5 }, 'cli');
        break;
      case 2:
        writer.routes.remove(`other-${i - 2}`, 'cli');
        break;
      default:
        writer.routes.update({ name: 'stable', path: '/stable', upstream: (i - 3) % 8 === 0 ? 'pool-b' : 'pool-a' }, 'cli');
    }
  }

  it(`serves an unchanged route without a single failure across ${CHANGES} reloads`, async () => {
    const reloadsBefore = gw.snapshots.current()!.version;
    const pool = new Pool(gw.url, { connections: CLIENTS, pipelining: 1, keepAliveTimeout: 30_000 });
    const failures: string[] = [];
    let sent = 0;
    let done = false;

    const client = async () => {
      while (!done) {
        sent++;
        try {
          const res = await pool.request({ path: `/stable/req-${sent}`, method: 'GET' });
          const body = await res.body.text();
          if (res.statusCode !== 200 || body !== 'ok') failures.push(`${res.statusCode} ${body.slice(0, 200)}`);
        } catch (err) {
          failures.push(`socket error: ${(err as Error).message}`);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    try {
      for (let i = 0; i < CHANGES; i++) {
        change(i);
        // Each change is a separate reload: wait until the gateway serves this version before the next.
        const v = writer.version();
        await waitFor(() => (gw.snapshots.current()!.version >= v ? true : undefined), `reload ${i}`);
      }
    } finally {
      done = true;
      await Promise.all(clients);
      await pool.close();
    }

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(CHANGES);
    // The re-pointing took effect: both upstreams served the route under test.
    expect(a.requests.filter((r) => r.url.startsWith('/stable/')).length).toBeGreaterThan(0);
    expect(b.requests.filter((r) => r.url.startsWith('/stable/')).length).toBeGreaterThan(0);
    expect(gw.snapshots.status.lastReloadError).toBeNull();
    expect(gw.snapshots.current()!.version - reloadsBefore).toBeGreaterThanOrEqual(CHANGES);
    const reloads = gw.logs.filter((l) => l.msg === 'config loaded').length;
    expect(reloads).toBeGreaterThanOrEqual(CHANGES);
    expect(gw.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});
