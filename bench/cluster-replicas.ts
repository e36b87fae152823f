/**
 * The replica parts of `npm run bench -- cluster`: three `agate serve --redis` replicas on one registry file and one
 * private redis-server, behind Debian's nginx (docs/examples/deploy/nginx.conf.template: round robin, no
 * stickiness), as the reference deployment runs them; for `throughput`, also one `agate serve` without Redis
 * behind the same nginx config. Everything on 127.0.0.1, everything stopped at the end (also on failure).
 * Needs nginx and redis-server (apt-get install nginx redis-server) and the build (dist/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../registry/index.js';
import { measureCommitToServed } from './cluster-commit.js';
import { measureFailover } from './cluster-failover.js';
import { startFront, startRedis, startReplica, startUpstream, waitUntil, type Replica } from './cluster-fleet.js';
import { measureThroughput } from './cluster-throughput.js';
import { findNginx } from './reload-nginx.js';

/** The parts this file measures, in the order they run (failover last: it kills replicas). */
export const REPLICA_PARTS = ['throughput', 'commit', 'failover'] as const;

export async function measureReplicaParts(parts: ReadonlySet<string>): Promise<Record<string, unknown>> {
  const nginx = findNginx() ?? '/usr/sbin/nginx';
  const dir = mkdtempSync(join(tmpdir(), 'agate-cluster-replicas-'));
  const stops: Array<() => void> = [];
  try {
    const redis = await startRedis(dir);
    stops.push(() => void redis.child.kill('SIGTERM'));
    const upstream = await startUpstream();
    stops.push(() => void upstream.server.close());
    const db = join(dir, 'replicas.db');
    const trio: Replica[] = [];
    // One at a time: the first start creates the registry and its secret key, which every replica shares.
    for (let i = 0; i < 3; i++) {
      const replica = await startReplica({ db, redisUrl: redis.url });
      stops.push(replica.stop);
      trio.push(replica);
    }
    await addRoute(db, upstream.url, trio);
    const trioFront = await startFront(nginx, dir, trio.map((r) => r.port));
    stops.push(trioFront.stop);
    const figures: Record<string, unknown> = {};
    if (parts.has('throughput')) {
      const soloDb = join(dir, 'single.db');
      const solo = await startReplica({ db: soloDb });
      stops.push(solo.stop);
      await addRoute(soloDb, upstream.url, [solo]);
      const soloFront = await startFront(nginx, dir, [solo.port]);
      stops.push(soloFront.stop);
      figures.throughput = await measureThroughput([
        { name: 'one replica', front: soloFront, replicas: [solo] },
        { name: 'three replicas', front: trioFront, replicas: trio, redisPid: redis.child.pid },
      ]);
    }
    if (parts.has('commit')) figures.commit = await measureCommitToServed(trio, upstream.url);
    if (parts.has('failover')) figures.failover = await measureFailover(trio, trioFront);
    return figures;
  } finally {
    for (const stop of stops.reverse()) stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The proxied requests' route `/plain`, written to the registry as `agate route add` would, served by `replicas`. */
async function addRoute(db: string, upstream: string, replicas: readonly Replica[]): Promise<void> {
  const registry = Registry.open(db);
  try {
    registry.routes.create({ name: 'plain', path: '/plain', upstream }, 'cli');
  } finally {
    registry.close();
  }
  for (const r of replicas) await waitUntil(async () => (await fetch(`${r.url}/plain/x`)).status === 200, `/plain on ${r.url}`);
}
