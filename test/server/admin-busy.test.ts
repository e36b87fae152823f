// Another process holding the registry's write lock (a CLI write, `sqlite3`, a backup) must not let an admin API
// write stall the gateway: SQLite's busy handler sleeps on the event loop up to the busy timeout (5 s). The
// write is refused at once with 503 and Retry-After instead; reads go on (WAL readers never wait).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startLoopProbe } from '../helpers/loop-probe.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { holdWriteLock } from '../helpers/write-lock.js';

describe('admin API writes while another process holds the write lock', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('u');
    gw.registry.routes.create({ name: 'existing', path: '/existing', upstream: upstream.url }, 'cli');
    gw.registry.consumers.store.create({ name: 'alice' }, 'cli');
    gw.registry.secrets.put('k', 'v', 'cli');
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(gw.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${gw.adminToken.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const writes: Array<[string, string, unknown?]> = [
    ['POST', '/routes', { name: 'new', path: '/new', upstream: 'http://127.0.0.1:9' }],
    ['PUT', '/routes/existing', { name: 'existing', path: '/moved', upstream: 'http://127.0.0.1:9' }],
    ['DELETE', '/routes/existing'],
    ['POST', '/consumers/alice/keys'],
    ['POST', '/llm-providers', { name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keys: ['sk-1'] }],
  ];

  it('each write is refused at once with 503 and Retry-After; the loop keeps turning; reads are served', async () => {
    const lock = holdWriteLock(gw.dbPath);
    await lock.locked;
    try {
      for (const [method, path, body] of writes) {
        const probe = startLoopProbe();
        const started = performance.now();
        const res = await admin(method, path, body);
        const ms = performance.now() - started;
        const stall = probe.stop();
        const answer = (await res.json()) as { error: { code: string; message: string } };
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 503 });
        expect(res.headers.get('retry-after')).toBe('1');
        expect(answer.error.code).toBe('GW_ERR_ADMIN_REGISTRY_BUSY');
        expect(answer.error.message).toContain('another process');
        expect(ms).toBeLessThan(1000);
        expect(stall).toBeLessThan(200);
      }
      expect((await admin('GET', '/routes/existing')).status).toBe(200);
      expect((await fetch(`${gw.url}/existing/x`)).status).toBe(200);
    } finally {
      await lock.release();
    }
    // Nothing was half-written, and the same writes go through once the lock is gone.
    expect(gw.registry.routes.get('new')).toBeUndefined();
    for (const [method, path, body] of writes) expect((await admin(method, path, body)).status, `${method} ${path}`).toBeLessThan(300);
  }, 60_000);
});
