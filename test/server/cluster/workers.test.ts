import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { spawnServe, type ServeProcess } from '../../helpers/serve.js';
import { consumersWithKeys } from '../../helpers/consumers.js';
import { createToolsServer } from '../../helpers/quota-calls.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Tool calls per consumer per minute, across both workers together. */
const N = 10;

// No keep-alive: every request opens a new connection, which node:cluster hands to the next worker in turn.
const noKeepAlive = new Agent({ pipelining: 0 });
const freshFetch = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: noKeepAlive })) as unknown as typeof fetch;

interface WorkerStatus {
  pid: number;
  index: number;
  ready: boolean;
  restarts: number;
  requests?: number;
  snapshotVersion?: number;
}

async function admin<T>(gw: ServeProcess, path: string): Promise<T> {
  const res = await fetch(`${gw.adminUrl}${path}`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
  expect(res.status).toBe(200);
  return (path === '/metrics' ? res.text() : res.json()) as Promise<T>;
}

const workers = async (gw: ServeProcess) => (await admin<{ workers: WorkerStatus[] }>(gw, '/status')).workers;

/** Requests each worker has served, by pid. */
async function servedBy(gw: ServeProcess): Promise<Map<number, number>> {
  return new Map((await workers(gw)).map((w) => [w.pid, w.requests ?? 0]));
}

async function connect(gw: ServeProcess, key: string): Promise<Client> {
  const client = new Client({ name: 'workers-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/tools`), { requestInit: { headers: { 'x-api-key': key } }, fetch: freshFetch }));
  return client;
}

/** A tools/call's outcome: the echoed text, or the catalogue code of the JSON-RPC error. */
async function call(client: Client, message: string): Promise<string> {
  try {
    const r = await client.callTool({ name: 'echo', arguments: { message } });
    return (r.content as Array<{ text: string }>)[0]!.text;
  } catch (err) {
    if (!(err instanceof McpError)) return `thrown: ${(err as Error).message}`;
    return String((err.data as { code?: string } | undefined)?.code ?? err.code);
  }
}

/** An upstream whose answers wait until `release()` (an in-flight request for the drain test). */
async function startHeldUpstream() {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first half;');
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    release: () => held.forEach((res) => res.end('second half')),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(skipWithoutRedis)('agate serve --workers 2 on Redis', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestRedis;
  let mcp: RemoteMcpUpstream;
  let web: LoopbackUpstream;
  let slow: Awaited<ReturnType<typeof startHeldUpstream>>;
  let gw: ServeProcess;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startTestRedis();
    mcp = await startRemoteMcpUpstream();
    web = await startUpstream('web');
    slow = await startHeldUpstream();
    const r = Registry.open(db);
    Object.assign(keys, consumersWithKeys(r, ['alice', 'bob', 'carol']));
    createToolsServer(r, mcp.url, { requests: N, windowSeconds: 60, consumers: ['alice', 'bob', 'carol'] });
    r.routes.create({ name: 'web', path: '/web', upstream: web.url }, 'cli');
    r.routes.create({ name: 'slow', path: '/slow', upstream: slow.url }, 'cli');
    r.close();
    gw = await spawnServe(db, { args: ['--workers', '2', '--redis', redis.url], readyTimeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await Promise.all([mcp?.close(), web?.close(), slow?.close(), redis?.close(), noKeepAlive.close()]);
    cleanup();
  });

  it('prints one banner naming both workers; agate status shows one gateway with its two workers', async () => {
    const pids = (await workers(gw)).map((w) => w.pid);
    expect(pids).toHaveLength(2);
    expect(new Set([...pids, gw.child.pid]).size).toBe(3);
    expect(gw.stderr().match(/agate is running/g)).toHaveLength(1);
    expect(gw.stderr()).toContain(`workers    2 on one port (pids ${pids.join(', ')})`);
    const text = (await runCli(['status'], db)).stdout;
    expect(text).toContain(`gateway pid ${gw.child.pid} on `);
    expect(text).toMatch(/: running, 2 workers on one port$/m);
    for (const pid of pids) expect(text).toContain(`  worker pid ${pid}: running`);
    expect(text.match(/^gateway pid/gm)).toHaveLength(1);
  });

  it("the primary's /status has the fields of a single gateway's (the console reads them), for all workers", async () => {
    const reg = Registry.open(db);
    const version = reg.version();
    reg.close();
    const status = await admin<Record<string, unknown>>(gw, '/status');
    expect(status).toMatchObject({ pid: gw.child.pid, snapshotVersion: version, lastReloadError: null, backendHealth: { mcp: expect.any(Array), http: expect.any(Array) } });
    // The remote MCP member each worker supervises, once (not once per worker).
    expect((status.backendHealth as { mcp: Array<{ server: string }> }).mcp.filter((b) => b.server === 'tools').length).toBeLessThanOrEqual(1);
  });

  it('spreads proxied requests over both workers on one port; /metrics sums them', async () => {
    const before = await servedBy(gw);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => freshFetch(`${gw.url}/web/x`).then((r) => r.status)));
    expect(statuses).toEqual(Array(40).fill(200));
    const after = await servedBy(gw);
    const delta = [...after].map(([pid, n]) => n - (before.get(pid) ?? 0));
    expect(delta).toHaveLength(2);
    // Round-robin over new connections: both workers took a share, none was idle.
    for (const d of delta) expect(d).toBeGreaterThanOrEqual(5);
    expect(delta.reduce((a, b) => a + b, 0)).toBe(40);
    const metrics = await admin<string>(gw, '/metrics');
    const webCount = Number(/^agate_http_requests_total\{route="web",status="200",flag="-"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(webCount).toBe(40);
    expect(metrics).toMatch(/^agate_cluster_workers\{state="ready"\} 2$/m);
  });

  it('two consumers keep their own MCP sessions while each request may land on either worker', async () => {
    const before = await servedBy(gw);
    const [alice, bob] = await Promise.all([connect(gw, keys.alice!), connect(gw, keys.bob!)]);
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => [await call(alice, `alice-${i}`), await call(bob, `bob-${i}`)]),
    );
    expect(results.flat().sort()).toEqual([...Array.from({ length: 6 }, (_, i) => `gen1: alice-${i}`), ...Array.from({ length: 6 }, (_, i) => `gen1: bob-${i}`)].sort());
    const [aliceTools, bobTools] = await Promise.all([alice.listTools(), bob.listTools()]);
    expect(aliceTools.tools.map((t) => t.name)).toContain('echo');
    expect(bobTools.tools.map((t) => t.name)).toContain('echo');
    await Promise.all([alice.close(), bob.close()]);
    const after = await servedBy(gw);
    // Each session's requests went over new connections, so both workers served some of them.
    for (const [pid, n] of after) expect(n - (before.get(pid) ?? 0), `requests served by worker ${pid}`).toBeGreaterThanOrEqual(3);
  });

  it(`a tool-call quota of ${N} per minute across both workers admits exactly ${N} of 60 concurrent calls`, async () => {
    const sessions = await Promise.all([connect(gw, keys.carol!), connect(gw, keys.carol!)]);
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => call(sessions[i % 2]!, `carol-${i}`)));
    const refill = Math.floor(((Date.now() - started) * N) / 60_000);
    await Promise.all(sessions.map((s) => s.close()));
    const admitted = outcomes.filter((o) => o.startsWith('gen1: carol-')).length;
    const missed = outcomes.filter((o) => o === 'GW_ERR_QUOTA_STORE_UNAVAILABLE').length;
    expect(outcomes.filter((o) => !o.startsWith('gen1: carol-') && o !== 'GW_ERR_RATE_LIMITED' && o !== 'GW_ERR_QUOTA_STORE_UNAVAILABLE')).toEqual([]);
    expect(admitted).toBeLessThanOrEqual(N + refill);
    // Fewer only by Redis deadline misses on a loaded machine, reported as such.
    expect(admitted).toBeGreaterThanOrEqual(N - missed);
    expect(missed).toBeLessThanOrEqual(5);
  });

  it("the admin API's live access log carries every worker's requests", async () => {
    const res = await fetch(`${gw.adminUrl}/access-log/stream`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    const readUntil = (done: () => boolean) =>
      waitFor(async () => {
        if (done()) return true;
        const { value } = await reader.read();
        seen += value ?? '';
        return done();
      }, 'the access-log stream to show the requests', 10_000);
    // The workers start forwarding when the first watcher subscribes: wait until a line arrives.
    await waitFor(async () => {
      await freshFetch(`${gw.url}/web/warm-up`);
      await readUntil(() => seen.includes('/web/warm-up'));
      return true;
    }, 'the first forwarded line', 10_000);
    const before = await servedBy(gw);
    await Promise.all(Array.from({ length: 20 }, (_, i) => freshFetch(`${gw.url}/web/live-${i}`).then((r) => r.text())));
    const after = await servedBy(gw);
    for (const [pid, n] of after) expect(n - (before.get(pid) ?? 0), `requests served by worker ${pid}`).toBeGreaterThan(0);
    await readUntil(() => Array.from({ length: 20 }, (_, i) => `"/web/live-${i}"`).every((p) => seen.includes(p)));
    await reader.cancel();
  });

  it('kill -9 of one worker: the other serves on, the admin API stays, a new worker replaces it', async () => {
    const [victim, survivor] = await workers(gw);
    process.kill(victim!.pid, 'SIGKILL');
    await waitFor(async () => (await workers(gw)).find((w) => w.index === victim!.index && w.pid !== victim!.pid), 'the primary to notice the dead worker', 10_000);
    // While the replacement starts, every request is served (by the survivor).
    const during = await Promise.all(Array.from({ length: 10 }, () => freshFetch(`${gw.url}/web/during`).then((r) => r.status)));
    expect(during).toEqual(Array(10).fill(200));
    const replaced = await waitFor(async () => {
      const ws = await workers(gw);
      const slot = ws.find((w) => w.index === victim!.index);
      return slot?.ready && slot.pid !== victim!.pid ? ws : undefined;
    }, 'a new worker in the dead one’s place', 60_000);
    expect(replaced.find((w) => w.index === victim!.index)).toMatchObject({ restarts: 1, ready: true });
    expect(replaced.find((w) => w.index === survivor!.index)).toMatchObject({ pid: survivor!.pid, restarts: 0 });
    expect(await admin<string>(gw, '/metrics')).toMatch(/^agate_cluster_worker_restarts_total 1$/m);
    // And both serve again.
    const before = await servedBy(gw);
    await Promise.all(Array.from({ length: 20 }, () => freshFetch(`${gw.url}/web/after`).then((r) => expect(r.status).toBe(200))));
    const after = await servedBy(gw);
    for (const [pid, n] of after) expect(n - (before.get(pid) ?? 0), `requests served by worker ${pid}`).toBeGreaterThan(0);
  }, 90_000);

  it('SIGTERM to the primary drains every worker: an in-flight request completes, then all exit 0', async () => {
    const pids = (await workers(gw)).map((w) => w.pid);
    const inFlight = freshFetch(`${gw.url}/slow/held`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await waitFor(() => slow.held.length === 1, 'the slow request to reach its upstream', 10_000);
    gw.child.kill('SIGTERM');
    // Every worker has begun draining: its own "SIGTERM received" line, after the primary's.
    await waitFor(() => (gw.stderr().match(/agate: SIGTERM received, draining/g) ?? []).length === 3, 'the primary and both workers to start draining', 10_000);
    slow.release();
    expect(await inFlight).toEqual({ status: 200, body: 'first half;second half' });
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const reg = Registry.open(db);
    try {
      expect(reg.instances.list()).toEqual([]);
    } finally {
      reg.close();
    }
  }, 60_000);
});
