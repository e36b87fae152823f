/**
 * `npm run bench -- cluster`, issue 16's figures for replicas on Redis, in parts chosen by CLUSTER_BENCH_PARTS
 * (comma-separated; default all): `added`, here, and `throughput`, `commit`, `failover` (cluster-replicas.ts).
 *
 * `added`: what a Redis-backed limit adds to a request, against the in-process store, in the
 * same run. Two gateways in this process, identical but for where their buckets live: one in-process, one on a
 * private redis-server (loopback TCP). Each serves an MCP server whose tools/call passes a per-consumer limit and
 * an HTTP route with a rate limit, both far above the load (every request is admitted, so both pay one take).
 * Sequential requests, interleaved between the two gateways in rounds so drift hits both alike; p50, p95, the
 * added p50 and the ratio.
 * Env: CLUSTER_BENCH_REQUESTS (default 3000 per kind and gateway).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Pool } from 'undici';
import { startGateway, type RunningGateway } from '../server/index.js';
import { startRedis, startUpstream } from './cluster-fleet.js';
import { measureReplicaParts, REPLICA_PARTS } from './cluster-replicas.js';
import { echoDefinition } from './mcp-echo-server.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { summarize, type Summary } from './stats.js';

const REQUESTS = Number(process.env.CLUSTER_BENCH_REQUESTS ?? 3000);
/** The goal for what shared state may add per request. */
const GOAL_ADDED_P50_MS = 0.3;

interface Side {
  name: 'in-process' | 'redis';
  gw: RunningGateway;
  pool: Pool;
  mcp: RawMcpSession;
  proxied: number[];
  toolCalls: number[];
}

const PARTS = new Set((process.env.CLUSTER_BENCH_PARTS ?? ['added', ...REPLICA_PARTS].join(',')).split(',').map((p) => p.trim()));

export async function run(): Promise<unknown> {
  const unknown = [...PARTS].filter((p) => p !== 'added' && !(REPLICA_PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`CLUSTER_BENCH_PARTS: unknown part ${unknown.join(', ')} (added, ${REPLICA_PARTS.join(', ')})`);
  const figures: Record<string, unknown> = {};
  if (PARTS.has('added')) figures.added = await measureAdded();
  if (REPLICA_PARTS.some((p) => PARTS.has(p))) Object.assign(figures, await measureReplicaParts(PARTS));
  return figures;
}

async function measureAdded(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'agate-cluster-bench-'));
  const upstream = await startUpstream();
  const redis = await startRedis(dir);
  const sides: Side[] = [];
  try {
    sides.push(await startSide('in-process', { dir, upstream: upstream.url }));
    sides.push(await startSide('redis', { dir, upstream: upstream.url, redisUrl: redis.url }));
    // Warm-up: JIT, keep-alive sockets, the Lua scripts loaded into Redis.
    for (const s of sides) for (let i = 0; i < 300; i++) await oneOfEach(s, false);
    for (let i = 0; i < REQUESTS; i++) for (const s of i % 2 ? sides : [...sides].reverse()) await oneOfEach(s, true);
    return report(sides);
  } finally {
    for (const s of sides) {
      await s.pool.close();
      await s.gw.close();
    }
    redis.child.kill('SIGTERM');
    upstream.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function oneOfEach(s: Side, record: boolean): Promise<void> {
  const t0 = performance.now();
  const res = await s.pool.request({ path: '/limited', method: 'GET' });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`${s.name}: proxied request answered ${res.statusCode}`);
  const proxied = performance.now() - t0;
  const call = await s.mcp.echo('x');
  if (record) {
    s.proxied.push(proxied);
    s.toolCalls.push(call);
  }
}

async function startSide(name: Side['name'], o: { dir: string; upstream: string; redisUrl?: string }): Promise<Side> {
  const gw = await startGateway({
    dbPath: join(o.dir, `${name}.db`),
    port: 0,
    adminPort: 0,
    redisUrl: o.redisUrl,
    hostedServers: new Map([[echoDefinition.name, echoDefinition]]),
    log: pino({ level: 'warn' }),
  });
  // Limits far above the load: every request takes a token, none is refused.
  gw.registry.routes.create({ name: 'limited', path: '/limited', upstream: o.upstream, rateLimit: { requests: 100_000_000, per: 'second', by: 'ip' } }, 'cli');
  gw.registry.mcpServers.create(
    { name: 'echo', backend: { kind: 'hosted', server: echoDefinition.name, settings: {}, secretSettings: {} }, rateLimit: { perConsumer: { requests: 1_000_000, windowSeconds: 1 } } },
    'cli',
  );
  const version = gw.registry.version();
  for (const deadline = Date.now() + 10_000; (gw.snapshots.current()?.version ?? -1) < version; ) {
    if (Date.now() > deadline) throw new Error(`${name}: config not served`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const pool = new Pool(gw.url, { connections: 4 });
  const mcp = new RawMcpSession(`${gw.url}/mcp/echo`, pool);
  await mcp.initialize();
  return { name, gw, pool, mcp, proxied: [], toolCalls: [] };
}

function report(sides: Side[]): unknown {
  const [mem, red] = sides as [Side, Side];
  const rows = (['proxied', 'toolCalls'] as const).map((kind) => {
    const a = summarize(mem[kind]);
    const b = summarize(red[kind]);
    return { kind: kind === 'proxied' ? 'proxied request' : 'MCP tools/call', inProcess: a, redis: b, addedP50Ms: round(b.p50 - a.p50), ratioP50: round(b.p50 / a.p50) };
  });
  const line = (r: { kind: string; inProcess: Summary; redis: Summary; addedP50Ms: number; ratioP50: number }) =>
    `${r.kind.padEnd(16)} in-process p50 ${fmt(r.inProcess.p50)} p95 ${fmt(r.inProcess.p95)} | redis p50 ${fmt(r.redis.p50)} p95 ${fmt(r.redis.p95)} | added p50 ${fmt(r.addedP50Ms)} (goal <= ${GOAL_ADDED_P50_MS}) | ratio ${r.ratioP50.toFixed(2)}x`;
  process.stdout.write(`cluster bench: ${REQUESTS} sequential requests per kind and gateway, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}\n`);
  for (const r of rows) process.stdout.write(line(r) + '\n');
  return { requests: REQUESTS, cores: cpus().length, load1: loadavg()[0], goalAddedP50Ms: GOAL_ADDED_P50_MS, rows };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
