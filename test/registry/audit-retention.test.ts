import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { startTestGateway, waitFor } from '../helpers/gateway.js';
import { spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DAY = 86_400_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

/** A registry whose audit log holds `old` rows written 400 days ago, then `recent` rows written an hour ago. */
function filledRegistry(old: number, recent: number): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const db = join(t.dir, 'agate.db');
  const r = Registry.open(db);
  // Not an empty registry, so `agate serve` seeds nothing (seeding would add audit rows of its own).
  r.upstreams.create({ name: 'keep', targets: [{ url: 'http://127.0.0.1:9' }] }, 'cli');
  const insert = r.db.prepare("INSERT INTO audit_log (at, interface, action, entity, name) VALUES (?, 'cli', 'create', 'route', ?)");
  r.transaction(() => {
    for (let i = 0; i < old; i++) insert.run(iso(400 * DAY), `old-${i}`);
    for (let i = 0; i < recent; i++) insert.run(iso(3_600_000), `recent-${i}`);
  });
  r.close();
  return db;
}

function auditNames(db: string): string[] {
  const r = Registry.open(db);
  try {
    return (r.db.prepare('SELECT name FROM audit_log ORDER BY id').pluck().all() as string[]);
  } finally {
    r.close();
  }
}

describe('audit log retention', () => {
  it('the gateway prunes rows older than keepDays, in batches, while the event loop keeps answering /healthz', async () => {
    const db = filledRegistry(30_000, 50);
    const gw = await startTestGateway({ dbPath: db, gateway: { auditRetention: { days: 30 } } });
    cleanups.push(() => gw.close());
    const latencies: number[] = [];
    let pruned = false;
    const probe = (async () => {
      while (!pruned) {
        const t = performance.now();
        await (await fetch(`${gw.adminUrl}/healthz`)).text();
        latencies.push(performance.now() - t);
      }
    })();
    try {
      // 51: the upstream's own (recent) create row and the 50 recent rows.
      await waitFor(() => (gw.registry.db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number) === 51, 'old rows pruned', 20_000);
    } finally {
      pruned = true;
      await probe;
    }
    expect(auditNames(db)).toEqual(['keep', ...Array.from({ length: 50 }, (_, i) => `recent-${i}`)]);
    expect(latencies.length).toBeGreaterThan(0);
    // Generous for a loaded CI machine; one DELETE of all 30,000 rows at once is what this guards against.
    expect(Math.max(...latencies)).toBeLessThan(500);
  });

  it('agate serve --audit-keep-rows keeps the newest N rows', async () => {
    const db = filledRegistry(0, 300);
    const serve = await spawnServe(db, { args: ['--audit-keep-rows', '120'] });
    cleanups.push(async () => void (await serve.stop('SIGKILL')));
    await waitFor(() => auditNames(db).length === 120, 'rows beyond 120 pruned', 15_000);
    expect(auditNames(db)).toEqual(Array.from({ length: 120 }, (_, i) => `recent-${180 + i}`));
  });

  it('a bad retention value is a usage error naming the flag', async () => {
    const db = filledRegistry(0, 1);
    const { runCli } = await import('../helpers/cli.js');
    const res = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--audit-keep-days', 'forever'], db);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--audit-keep-days: must be a whole number/);
  });
});
