// The access log gathers lines into ~4 KiB writes (server/observability/logger.ts): no line may be lost, cut,
// merged or reordered by that, a lone line on a quiet gateway must still appear promptly, and a clean stop
// must write what was gathered.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

let proc: ServeProcess | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await proc?.stop('SIGKILL');
  proc = undefined;
  cleanup?.();
});

async function start(): Promise<{ p: ServeProcess; out: () => string }> {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  // A generous start deadline: on a loaded machine the first start alone can take longer than the default 15 s.
  proc = await spawnServe(join(tmp.dir, 'agate.db'), { env: { AGATE_LOG_LEVEL: 'info' }, readyTimeoutMs: 60_000 });
  let text = '';
  proc.child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  return { p: proc, out: () => text };
}

/** The access lines in `text`, parsed (every line must be whole JSON). */
function accessLines(text: string): Array<{ path: string; status: number; msg: string }> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { path: string; status: number; msg: string })
    .filter((l) => l.msg === 'access');
}

describe('access log batching', () => {
  it('3,000 requests, 16 at a time, then SIGTERM: every line once and whole', async () => {
    const { p, out } = await start();
    const answered: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 3000) {
        const path = `/no-such-route/r${next++}`;
        const res = await fetch(`${p.url}${path}`);
        await res.arrayBuffer();
        expect(res.status).toBe(404);
        answered.push(path);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const exit = await p.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const lines = accessLines(out());
    expect(lines.map((l) => l.path).sort()).toEqual([...answered].sort());
    const ids = lines.map((l) => l.path);
    expect(new Set(ids).size).toBe(3000);
  }, 90_000);

  it('one request on a quiet gateway: its line appears without waiting for more traffic or a stop', async () => {
    const { p, out } = await start();
    const res = await fetch(`${p.url}/no-such-route/lonely`);
    await res.arrayBuffer();
    const deadline = Date.now() + 2_000;
    while (!accessLines(out()).some((l) => l.path === '/no-such-route/lonely')) {
      if (Date.now() > deadline) throw new Error(`no access line within 2 s; stdout: ${out().slice(-500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }, 30_000);

  it('lines from sequential requests keep their order', async () => {
    const { p, out } = await start();
    for (let i = 0; i < 300; i++) await (await fetch(`${p.url}/no-such-route/s${i}`)).arrayBuffer();
    await p.stop('SIGTERM');
    const order = accessLines(out()).map((l) => l.path);
    expect(order).toEqual(Array.from({ length: 300 }, (_, i) => `/no-such-route/s${i}`));
  }, 60_000);
});

describe('a process that exits at once', () => {
  it('still writes the lines gathered but not yet handed over (process.exit right after logging)', async () => {
    const { execFile } = await import('node:child_process');
    const logger = join(import.meta.dirname, '..', '..', 'dist', 'server', 'observability', 'logger.js');
    const script = `import(${JSON.stringify(logger)}).then(({ createLogger }) => { createLogger().info({ n: 7 }, 'last words'); process.exit(3); })`;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['-e', script], (err, out) => resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout: out }));
      child.stdin?.end();
    });
    expect(code).toBe(3);
    expect(stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; n: number })).toEqual([expect.objectContaining({ msg: 'last words', n: 7 })]);
  });
});
