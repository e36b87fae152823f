/**
 * `cluster` part `throughput`: three `agate serve --redis` replicas behind nginx (round robin, no stickiness) against
 * one `agate serve` without Redis behind the same nginx config, same load: CONCURRENCY requests in flight from this
 * process for SECONDS, reps interleaved between the two so drift hits both alike. A proxied GET and an MCP
 * tools/call (the seeded `time` server, one 2025 Streamable HTTP session per connection). Reports req/s, p50, the
 * ratio, and CPU per request charged to the gateways (and to Redis) by the kernel.
 */
import { loadavg } from 'node:os';
import { Pool } from 'undici';
import type { Front, Replica } from './cluster-fleet.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { cpuMicros } from './proc.js';
import { percentile } from './stats.js';

const SECONDS = Number(process.env.CLUSTER_BENCH_SECONDS ?? 5);
const REPS = Number(process.env.CLUSTER_BENCH_REPS ?? 3);
const CONCURRENCY = 16;
/** Long enough for each of three replicas to see thousands of requests (optimised code) before the timing. */
const WARM_UP_SECONDS = 3;

/** A gateway set under load: its front (nginx) and the processes whose CPU is charged to it. */
export interface LoadTarget {
  name: string;
  front: Front;
  replicas: readonly Replica[];
  redisPid?: number;
}

interface Rep {
  rps: number;
  p50Ms: number;
  errors: number;
  agateCpuUsPerReq: number;
  redisCpuUsPerReq?: number;
}

/** Both kinds on both targets; `targets[0]` is the baseline. */
export async function measureThroughput(targets: readonly [LoadTarget, LoadTarget]): Promise<unknown> {
  const loadAtStart = loadavg();
  const kinds = ['proxied GET', 'MCP tools/call'] as const;
  const rows = [];
  for (const kind of kinds) {
    const reps = new Map<string, Rep[]>(targets.map((t) => [t.name, []]));
    for (const t of targets) await loadRun(t, kind, WARM_UP_SECONDS); // JIT on every replica, sessions rebuilt on each
    for (let rep = 0; rep < REPS; rep++) for (const t of rep % 2 ? [...targets].reverse() : targets) reps.get(t.name)!.push(await loadRun(t, kind, SECONDS));
    const [base, trio] = targets.map((t) => median(reps.get(t.name)!)) as [Rep, Rep];
    rows.push({ kind, [targets[0].name]: base, [targets[1].name]: trio, ratio: round(trio.rps / base.rps, 100) });
  }
  const loadAtEnd = loadavg();
  const lines = [
    `| ${CONCURRENCY} in flight, ${REPS} × ${SECONDS} s, median | ${targets[0].name} req/s | p50 | CPU/req | ${targets[1].name} req/s | p50 | CPU/req (agate + Redis) | ratio | errors |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const a = r[targets[0].name] as Rep;
    const b = r[targets[1].name] as Rep;
    lines.push(`| ${r.kind} | ${a.rps} | ${a.p50Ms} ms | ${a.agateCpuUsPerReq} µs | ${b.rps} | ${b.p50Ms} ms | ${b.agateCpuUsPerReq} + ${b.redisCpuUsPerReq} µs | ${r.ratio}× | ${a.errors + b.errors} |`);
  }
  process.stdout.write(`\nthroughput (load average ${fmtLoad(loadAtStart)} at start, ${fmtLoad(loadAtEnd)} at end):\n${lines.join('\n')}\n`);
  return { seconds: SECONDS, reps: REPS, concurrency: CONCURRENCY, loadAverage: { start: loadAtStart, end: loadAtEnd }, rows };
}

/** CONCURRENCY loops of one kind against `t` for `seconds`. */
async function loadRun(t: LoadTarget, kind: 'proxied GET' | 'MCP tools/call', seconds: number): Promise<Rep> {
  const pool = new Pool(t.front.url, { connections: CONCURRENCY });
  const sessions = kind === 'MCP tools/call' ? Array.from({ length: CONCURRENCY }, () => new RawMcpSession(`${t.front.url}/mcp/time`, pool)) : [];
  for (const s of sessions) await s.initialize();
  const one = async (i: number) => {
    if (kind === 'MCP tools/call') return void (await sessions[i]!.callTool('get-current-time', { timeZone: 'Asia/Tokyo' }));
    const res = await pool.request({ path: '/plain/x', method: 'GET' });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`proxied GET answered ${res.statusCode}`);
  };
  const cpu = () => t.replicas.reduce((sum, r) => sum + (cpuMicros(r.child().pid) ?? NaN), 0);
  const latencies: number[] = [];
  let errors = 0;
  const [agate0, redis0] = [cpu(), cpuMicros(t.redisPid)];
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      while (performance.now() < deadline) {
        const s = performance.now();
        try {
          await one(i);
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const [agate1, redis1] = [cpu(), cpuMicros(t.redisPid)];
  for (const s of sessions) await s.close().catch(() => undefined);
  await pool.close();
  const n = latencies.length;
  return {
    rps: Math.round(n / elapsed),
    p50Ms: round(percentile(latencies, 50), 1000),
    errors,
    agateCpuUsPerReq: Math.round((agate1 - agate0) / n),
    redisCpuUsPerReq: redis0 === undefined || redis1 === undefined ? undefined : Math.round((redis1 - redis0) / n),
  };
}

function median(reps: Rep[]): Rep {
  return [...reps].sort((a, b) => a.rps - b.rps)[Math.floor(reps.length / 2)]!;
}

const round = (x: number, by: number) => Math.round(x * by) / by;
const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
