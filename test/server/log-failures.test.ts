// A log destination that fails (a full disk, a pipe nobody reads) must not crash or stall the gateway:
// failed writes are counted in agate_log_write_failures_total and dropped, and serving goes on.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/gateway.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

let proc: ServeProcess | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await proc?.stop('SIGKILL');
  proc = undefined;
  cleanup?.();
});

async function failures(p: ServeProcess, kind: string): Promise<number> {
  const text = await (await fetch(`${p.adminUrl}/metrics`, { headers: { authorization: `Bearer ${p.adminToken}` } })).text();
  const m = new RegExp(`agate_log_write_failures_total\\{kind="${kind}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** Sends `n` requests (an access-log line each), `concurrency` at a time; each must be answered. */
async function traffic(p: ServeProcess, n: number, concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < n) {
      const res = await fetch(`${p.url}/no-such-route/${'x'.repeat(200)}`);
      expect(res.status).toBe(404); // no route: answered and logged
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('log write failures', () => {
  it('stdout on a full device (/dev/full, ENOSPC): the gateway keeps answering and counts the failures', async () => {
    const tmp = tempDir();
    const fd = openSync('/dev/full', 'w');
    cleanup = () => {
      closeSync(fd);
      tmp.cleanup();
    };
    proc = await spawnServe(join(tmp.dir, 'agate.db'), { stdout: fd, env: { AGATE_LOG_LEVEL: 'info' } });
    await traffic(proc, 200);
    await waitFor(async () => (await failures(proc!, 'error')) > 0, 'a counted ENOSPC', 10_000);
    // Still alive and answering after the failures.
    await traffic(proc, 50);
    expect((await fetch(`${proc.adminUrl}/healthz`)).status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
    expect(proc.stderr()).not.toMatch(/ENOSPC|Unhandled|uncaught/i);
  }, 60_000);

  it('stdout on a pipe nobody reads: the gateway keeps answering, drops what it cannot buffer and counts it', async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    proc = await spawnServe(join(tmp.dir, 'agate.db'), { stdout: 'unread', env: { AGATE_LOG_LEVEL: 'info' } });
    // The pipe holds ~64 KiB and the gateway buffers 1 MiB; lines past that are dropped, not queued forever.
    const deadline = Date.now() + 40_000;
    while ((await failures(proc, 'dropped')) === 0) {
      if (Date.now() > deadline) throw new Error('no dropped log line counted');
      const started = performance.now();
      await traffic(proc, 500);
      expect(performance.now() - started, '500 requests with a stuck stdout (ms)').toBeLessThan(20_000);
    }
    expect((await fetch(`${proc.adminUrl}/healthz`)).status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
  }, 90_000);
});
