import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { consumersWithKeys } from '../../helpers/consumers.js';
import { callEcho, connectTools, createToolsServer } from '../../helpers/quota-calls.js';
import { waitFor } from '../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { startReplicas, stopReplicas } from '../../helpers/replicas.js';
import type { ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Tool calls per consumer per minute, across all replicas together. */
const N = 10;

describe.skipIf(skipWithoutRedis)('one quota across three gateway processes on one Redis', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestRedis;
  let mcp: RemoteMcpUpstream;
  let web: LoopbackUpstream;
  let replicas: ServeProcess[] = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startTestRedis();
    mcp = await startRemoteMcpUpstream();
    web = await startUpstream('web');
    const r = Registry.open(db);
    Object.assign(keys, consumersWithKeys(r, ['alice', 'bob', 'carol']));
    createToolsServer(r, mcp.url, { requests: N, windowSeconds: 60, consumers: ['alice', 'bob', 'carol'] });
    // A plain request rate (fail open by default): one request an hour for the whole route.
    r.routes.create({ name: 'web', path: '/web', upstream: web.url, rateLimit: { requests: 1, per: 'hour', by: 'route' } }, 'cli');
    r.close();
    replicas = await startReplicas(db, 3, redis.url);
  }, 60_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    await mcp?.close();
    await web?.close();
    await redis?.close();
    cleanup();
  });

  it(`admits ${N} tool calls per consumer and never more, out of 300 concurrent attempts over three replicas, two consumers at once`, async () => {
    // Each consumer has one session on every replica; 150 calls each, all in flight together.
    const sessions = await Promise.all(['alice', 'bob'].flatMap((who) => replicas.map(async (rep) => ({ who, client: await connectTools(rep, keys[who]!) }))));
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 300 }, (_, i) => sessions[i % sessions.length]!).map(async (s, i) => ({ who: s.who, outcome: await callEcho(s.client, `${s.who}-${i}`) })));
    const elapsedMs = Date.now() - started;
    await Promise.all(sessions.map((s) => s.client.close()));
    // The bucket refills N per minute while the burst runs: at most that much more is fair.
    const refill = Math.floor((elapsedMs * N) / 60_000);
    for (const who of ['alice', 'bob']) {
      const mine = outcomes.filter((o) => o.who === who);
      const admitted = mine.filter((o) => o.outcome === 'ok').length;
      // On a machine this loaded a take can miss its deadline: refused (fail closed), and its token may be spent.
      const missed = mine.filter((o) => o.outcome === 'GW_ERR_QUOTA_STORE_UNAVAILABLE').length;
      expect(mine.filter((o) => !['ok', 'GW_ERR_RATE_LIMITED', 'GW_ERR_QUOTA_STORE_UNAVAILABLE'].includes(o.outcome))).toEqual([]);
      // Never more than N (plus the refill), whatever the replica; fewer only by the deadline misses reported.
      expect(admitted).toBeLessThanOrEqual(N + refill);
      expect(admitted).toBeGreaterThanOrEqual(N - missed);
      expect(missed, 'deadline misses (a loaded machine)').toBeLessThanOrEqual(15);
    }
    // What reached the upstream: the admitted calls only, each consumer's own.
    const echoes = mcp.requests.filter((q) => (q.body as { method?: string } | undefined)?.method === 'tools/call');
    expect(echoes.length).toBe(outcomes.filter((o) => o.outcome === 'ok').length);
  });

  it('Redis stopped mid-load: quotas refuse with GW_ERR_QUOTA_STORE_UNAVAILABLE, route rates admit, nothing hangs; a restart empty recovers', async () => {
    const carol = await Promise.all(replicas.map((rep) => connectTools(rep, keys.carol!)));
    expect(await callEcho(carol[0]!, 'before')).toBe('ok');
    // The route's one request an hour, spent while Redis is up: the next is refused.
    expect((await fetch(`${replicas[1]!.url}/web`)).status).toBe(200);
    expect((await fetch(`${replicas[2]!.url}/web`)).status).toBe(429);

    await redis.stop();
    const worst = { ms: 0 };
    const timed = async <T>(f: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const v = await f();
      worst.ms = Math.max(worst.ms, performance.now() - t);
      return v;
    };
    const calls = await Promise.all(Array.from({ length: 30 }, (_, i) => timed(() => callEcho(carol[i % 3]!, `down-${i}`))));
    const gets = await Promise.all(Array.from({ length: 30 }, (_, i) => timed(async () => (await fetch(`${replicas[i % 3]!.url}/web`)).status)));
    const health = await Promise.all(replicas.map((rep) => timed(async () => (await fetch(`${rep.adminUrl}/healthz`)).status)));
    expect(new Set(calls)).toEqual(new Set(['GW_ERR_QUOTA_STORE_UNAVAILABLE']));
    expect(new Set(gets)).toEqual(new Set([200]));
    expect(health).toEqual([200, 200, 200]);
    // Redis refused at once (connection refused, no offline queue): no request waited on it.
    expect(worst.ms).toBeLessThan(1_000);

    // Each gateway reports a change within half a second.
    const down = await waitFor(async () => {
      const s = await statusJson(db);
      const refused = s.gateways.reduce((n, g) => n + (g.backendHealth.redis?.decidedUnderFailure.closed ?? 0), 0);
      return s.gateways.every((g) => g.backendHealth.redis?.state === 'down') && refused >= 30 ? s : undefined;
    }, 'status to show Redis down and the refusals on every gateway', 5_000);
    for (const g of down.gateways) expect(g.backendHealth.redis).toMatchObject({ state: 'down', lastError: expect.any(String) });
    expect(down.failModes).toEqual(
      expect.arrayContaining([
        { limit: 'mcp tools perConsumer', mode: 'closed', default: true },
        { limit: 'route web', mode: 'open', default: true },
      ]),
    );
    const text = (await runCli(['status'], db)).stdout;
    expect(text).toMatch(/^ {2}redis {11}down since \S+ \(redis:\/\/127\.0\.0\.1:\d+\/?\)$/m);
    expect(text).toMatch(/^ {2}redis error {5}\S/m);
    expect(text).toMatch(/^ {2}without redis {3}[1-9]\d* refused \(fail closed\), [1-9]\d* admitted \(fail open\)$/m);
    expect(text).toContain('  mcp tools perConsumer: closed (default)');
    expect(text).toContain('  route web: open (default)');
    const metrics = await (await fetch(`${replicas[0]!.adminUrl}/metrics`, { headers: { authorization: `Bearer ${replicas[0]!.adminToken}` } })).text();
    expect(metrics).toMatch(/^agate_redis_up 0$/m);
    expect(metrics).toMatch(/^agate_quota_store_failure_decisions_total\{mode="closed"\} [1-9]/m);

    // Restarted empty: every replica reconnects by itself and carol's quota starts afresh.
    await redis.restart();
    // The MCP sessions were in that Redis too (docs/deploy.md): carol opens new ones, as a client does after a 404.
    for (const rep of replicas) {
      await waitFor(async () => {
        const fresh = await connectTools(rep, keys.carol!).catch(() => undefined);
        if (!fresh) return false;
        const answer = await callEcho(fresh, 'after');
        await fresh.close();
        return answer === 'ok';
      }, 'a tool call admitted again after the restart', 10_000);
    }
    const up = await waitFor(async () => {
      const s = await statusJson(db);
      return s.gateways.every((g) => g.backendHealth.redis?.state === 'up') ? s : undefined;
    }, 'status to show Redis up on every gateway', 10_000);
    expect(up.gateways).toHaveLength(3);
    await Promise.all(carol.map((c) => c.close().catch(() => {})));
  });

  it('Redis hung (SIGSTOP): every check gives up at its deadline, quotas refuse, route rates admit; it thaws and serves', async () => {
    const carol = await Promise.all(replicas.map((rep) => connectTools(rep, keys.carol!)));
    redis.pause();
    try {
      const took: number[] = [];
      const timed = async <T>(f: () => Promise<T>): Promise<T> => {
        const t = performance.now();
        const v = await f();
        took.push(performance.now() - t);
        return v;
      };
      // Connections stay open and nothing answers: only the 100 ms deadline ends each wait.
      const calls = await Promise.all(Array.from({ length: 15 }, (_, i) => timed(() => callEcho(carol[i % 3]!, `hung-${i}`))));
      const gets = await Promise.all(Array.from({ length: 15 }, (_, i) => timed(async () => (await fetch(`${replicas[i % 3]!.url}/web`)).status)));
      const health = await Promise.all(replicas.map((rep) => timed(async () => (await fetch(`${rep.adminUrl}/healthz`)).status)));
      expect(new Set(calls)).toEqual(new Set(['GW_ERR_QUOTA_STORE_UNAVAILABLE']));
      expect(new Set(gets)).toEqual(new Set([200]));
      expect(health).toEqual([200, 200, 200]);
      expect(Math.max(...took)).toBeLessThan(1_500);
    } finally {
      redis.resume();
    }
    for (const client of carol) await waitFor(async () => (await callEcho(client, 'thawed')) === 'ok', 'a tool call admitted once Redis answers again', 10_000);
    await Promise.all(carol.map((c) => c.close()));
  });
});

interface StatusJson {
  gateways: Array<{ pid: number; backendHealth: { redis?: { state: string; lastError?: string; decidedUnderFailure: { closed: number; open: number } } } }>;
  failModes?: Array<{ limit: string; mode: string; default: boolean }>;
}

async function statusJson(db: string): Promise<StatusJson> {
  const { stdout, code } = await runCli(['status', '--json'], db);
  expect(code).toBe(0);
  return JSON.parse(stdout) as StatusJson;
}
