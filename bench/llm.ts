/**
 * LLM routing benchmark. A fake OpenAI provider (its own process) streams 200 chunks at a fixed pace.
 * (a) client → fake (direct), client → minimal Pool proxy → fake (baseline: bench/pool-proxy.ts, the cheapest
 *     correct Node streaming proxy, its own process) and client → agate → fake, sequential requests interleaved
 *     across the three paths: TTFT p50/p99 and total time, then CPU per stream of each process on each path (from
 *     /proc, in interleaved rounds). Ends with issue #20's targets (added TTFT p50 ≤ 0.5 ms, p99 ≤ 2 ms; idle RSS
 *     ≤ 80 MB) judged against direct as the issue defines them, and the same goals against the baseline, which
 *     leaves what is agate's own.
 * (b) N concurrent streams through agate for S seconds: disconnects, lost/reordered chunks (sequence numbers),
 *     gateway RSS per stream and event-loop delay p99 (the gateway runs in a child process).
 * Env: LLM_BENCH_SEQ (default 100), LLM_BENCH_STREAMS (1000), LLM_BENCH_SECONDS (20), LLM_BENCH_PACE_MS (1, part (a)'s
 * chunk interval: an added TTFT that grows with it means the gateway holds the first event until the next chunk),
 * LLM_BENCH_CHUNKS (200, chunks per answer in part (a); 1 leaves little but the request path to profile),
 * LLM_BENCH_CPU_STREAMS (400 per path), LLM_BENCH_CPU_ROUNDS (4), LLM_BENCH_PARTS (ab), LLM_BENCH_OTHER_ROOT (a
 * checkout with its dist/ built: its gateway joins part (a) as a fourth path, "agate (other build)": an A/B of two
 * builds in one run).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { Registry, packageRoot } from '../registry/index.js';
import { CHUNKS } from './llm-provider-child.js';
import { gatewayExecArgv, startChild, type Child } from './mcp.js';
import { percentile } from './stats.js';
import { cpuPerCallBy } from './compare.js';
import { cpuMicros, rssBytes } from './proc.js';
import { idleRssCheck, printTargets, type TargetCheck } from './targets.js';
import { startPoolProxy } from './pool-proxy.js';

interface StreamResult {
  ttftMs: number;
  totalMs: number;
  chunks: number;
  inOrder: boolean;
  done: boolean;
  error?: string;
}

/** One streamed chat call; checks the sequence numbers 0..chunks-1 arrive once each, in order. */
async function stream(agent: Agent, base: string, chunks = CHUNKS): Promise<StreamResult> {
  const t0 = performance.now();
  let ttftMs = -1;
  let next = 0;
  let inOrder = true;
  let text = '';
  try {
    const res = await request(`${base}/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'go' }] }),
    });
    for await (const chunk of res.body) {
      text += chunk.toString();
      const cut = text.lastIndexOf('\n\n');
      if (cut === -1) continue;
      for (const m of text.slice(0, cut).matchAll(/"content":"(\d+)\|"/g)) {
        if (ttftMs < 0) ttftMs = performance.now() - t0;
        if (Number(m[1]) !== next) inOrder = false;
        next = Number(m[1]) + 1;
      }
      text = text.slice(cut + 2);
    }
    return { ttftMs, totalMs: performance.now() - t0, chunks: next, inOrder, done: text.includes('[DONE]') || next === chunks };
  } catch (err) {
    return { ttftMs, totalMs: performance.now() - t0, chunks: next, inOrder, done: false, error: (err as Error).message };
  }
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The order of the paths on turn `turn`: rotated by `turn`, and backwards on odd turns, so no path always leads
 * and none always follows the same one. In a fixed order, one build measured ~0.1 ms more TTFT and up to 40 % more
 * CPU per stream as the path run right after agate's than as agate's itself.
 */
function turnOrder<T>(items: readonly T[], turn: number): T[] {
  const k = turn % items.length;
  const order = [...items.slice(k), ...items.slice(0, k)];
  return turn % 2 === 1 ? order.reverse() : order;
}

/** Streams per path for the CPU figures (a /proc tick is 10 ms: more streams, finer figures), and the rounds they are split into. */
const CPU_STREAMS = Number(process.env.LLM_BENCH_CPU_STREAMS ?? 400);
const CPU_ROUNDS = Number(process.env.LLM_BENCH_CPU_ROUNDS ?? 4);

/**
 * CPU µs per stream of each process in `pids`, on each path of `bases` (8 streams in flight, checked). The paths
 * take turns (turnOrder), CPU_ROUNDS rounds of CPU_STREAMS / CPU_ROUNDS streams each, so a burst of load from
 * elsewhere lands on all of them alike; per path and process, the mean of the rounds.
 */
async function streamCpu(agent: Agent, bases: Record<string, string>, pids: Record<string, number | undefined>, chunks: number) {
  const readers = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, () => cpuMicros(pid)]));
  const rounds: Record<string, Record<string, number | undefined>[]> = Object.fromEntries(Object.keys(bases).map((p) => [p, []]));
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const [path, base] of turnOrder(Object.entries(bases), round)) {
      const call = async () => {
        const r = await stream(agent, base, chunks);
        if (!r.done || r.chunks !== chunks) throw new Error(`${path}: stream incomplete (${r.chunks} chunks${r.error ? `, ${r.error}` : ''})`);
      };
      rounds[path]!.push(await cpuPerCallBy(call, { calls: CPU_STREAMS / CPU_ROUNDS, width: 8, warmup: 5 }, readers));
    }
  }
  // The mean of the rounds: one round's figure moves in steps of a 10 ms tick over its streams, the mean in finer ones.
  const mean = (xs: (number | undefined)[]) => {
    const known = xs.filter((x): x is number => x !== undefined);
    return known.length === 0 ? undefined : Math.round(known.reduce((a, b) => a + b, 0) / known.length);
  };
  return Object.fromEntries(Object.entries(rounds).map(([path, rs]) => [path, Object.fromEntries(Object.keys(pids).map((name) => [name, mean(rs.map((r) => r[name]))]))]));
}

type Part = ReturnType<typeof summarizeStreams>;

/** TTFT and total time p50/p99 of sequential streams, ms. */
function summarizeStreams(rs: StreamResult[]) {
  const pct = (key: 'ttftMs' | 'totalMs', p: number) => r2(percentile(rs.map((r) => r[key]), p));
  return { ttftP50: pct('ttftMs', 50), ttftP99: pct('ttftMs', 99), totalP50: pct('totalMs', 50), totalP99: pct('totalMs', 99) };
}

/** `over` minus `under`, figure by figure: the time a hop adds. */
function addedBy(over: Part, under: Part) {
  return { ttftP50: r2(over.ttftP50 - under.ttftP50), ttftP99: r2(over.ttftP99 - under.ttftP99), totalP50: r2(over.totalP50 - under.totalP50), totalP99: r2(over.totalP99 - under.totalP99) };
}

/** Issue #20's TTFT goals for `added` (agate minus the path named `against`). */
function ttftChecks(added: Part, against: string): TargetCheck[] {
  return [
    { name: `(a) added time to first token p50, agate − ${against}`, goal: '≤ 0.5 ms', value: added.ttftP50, unit: ' ms', ok: (v) => v <= 0.5 },
    { name: `(a) added time to first token p99, agate − ${against}`, goal: '≤ 2 ms', value: added.ttftP99, unit: ' ms', ok: (v) => v <= 2 },
  ];
}

/** Runs the parts picked by LLM_BENCH_PARTS, prints tables, writes bench/results/llm-<time>.json. */
export async function run(): Promise<void> {
  const seq = Number(process.env.LLM_BENCH_SEQ ?? 100);
  const streams = Number(process.env.LLM_BENCH_STREAMS ?? 1000);
  const seconds = Number(process.env.LLM_BENCH_SECONDS ?? 20);
  const paceMs = Number(process.env.LLM_BENCH_PACE_MS ?? 1);
  const chunks = Number(process.env.LLM_BENCH_CHUNKS ?? CHUNKS);
  const parts = process.env.LLM_BENCH_PARTS ?? 'ab';
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-llm-'));
  // The fake provider runs in its own process, as a provider is never in the client's: "direct" pays the same
  // process hop a real call does, and the load generator's event loop serves only the client.
  const fastFake = await startChild('./llm-provider-child.js', [String(paceMs), String(chunks)]);
  const slowFake = await startChild('./llm-provider-child.js', [String(Math.max(1, Math.round((seconds * 1000) / CHUNKS)))]);
  const baseline = await startPoolProxy(fastFake.url, gatewayExecArgv());
  const fakeUrl = (fake: { url: string }) => `${fake.url}/v1`;
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  reg.secrets.put('bench-key', 'sk-bench', 'cli');
  reg.llmProviders.create({ name: 'fast', type: 'openai', baseUrl: fakeUrl(fastFake), keySecrets: ['bench-key'] }, 'cli');
  reg.llmProviders.create({ name: 'slow', type: 'openai', baseUrl: fakeUrl(slowFake), keySecrets: ['bench-key'] }, 'cli');
  reg.llmRoutes.create({ name: 'fast', model: 'bench-model', targets: [{ provider: 'fast' }] }, 'cli');
  reg.close();
  const gw = await startChild('./llm-gateway-child.js', [dbPath]);
  const otherRoot = process.env.LLM_BENCH_OTHER_ROOT;
  const other = otherRoot ? await startChild(join(otherRoot, 'dist', 'bench', 'llm-gateway-child.js'), [dbPath]) : undefined;
  const idleRss = rssBytes(gw.pid);
  const { url } = gw;
  const agent = new Agent({ connections: streams + 10, keepAliveTimeout: 30_000 });
  const figures: Record<string, unknown> = { seq, paceMs, chunks, node: process.version, loadAverageAtStart: loadavg() };
  const checks: TargetCheck[] = [];
  try {
    if (parts.includes('a')) {
      const bases: Record<string, string> = { direct: fakeUrl(fastFake), 'pool proxy': `${baseline.url}/v1`, agate: `${url}/v1` };
      if (other) bases['agate (other build)'] = `${other.url}/v1`;
      const pids = { gateway: gw.pid, ...(other && { 'other build': other.pid }), 'pool proxy': baseline.pid, provider: fastFake.pid };
      const a = await sequentialStreams({ agent, bases, pids, seq, chunks, paceMs });
      Object.assign(figures, a);
      checks.push(...ttftChecks(a.added['agate − direct'], 'direct'), ...ttftChecks(a.added['agate − pool proxy'], 'pool proxy'));
    }
    if (parts.includes('b')) figures.b = await concurrentStreams({ dbPath, gw, agent, streams, seconds });
    figures.targets = printTargets(`llm (${seq} sequential streams per path)`, [...checks, idleRssCheck(idleRss)]);
    figures.loadAverage = loadavg();
    const out = join(packageRoot(), 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `llm-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(figures, null, 2));
  } finally {
    await gw.stop();
    await other?.stop();
    await agent.close();
    await baseline.stop();
    await fastFake.stop();
    await slowFake.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * (a): `seq` streams per path, one at a time, the paths taking turns (after a short warm-up), then CPU per stream
 * of each process in `pids` on each path; the figures printed. `bases` has direct, pool proxy and agate.
 */
async function sequentialStreams(o: { agent: Agent; bases: Record<string, string>; pids: Record<string, number | undefined>; seq: number; chunks: number; paceMs: number }) {
  const { agent, bases, chunks } = o;
  for (let i = 0; i < 5; i++) for (const base of Object.values(bases)) await stream(agent, base, chunks);
  const results: Record<string, StreamResult[]> = Object.fromEntries(Object.keys(bases).map((path) => [path, []]));
  for (let i = 0; i < o.seq; i++) for (const [path, base] of turnOrder(Object.entries(bases), i)) results[path]!.push(await stream(agent, base, chunks));
  const a: Record<string, Part> = Object.fromEntries(Object.entries(results).map(([path, rs]) => [path, summarizeStreams(rs)]));
  const added = { 'pool proxy − direct': addedBy(a['pool proxy']!, a.direct!), 'agate − direct': addedBy(a.agate!, a.direct!), 'agate − pool proxy': addedBy(a.agate!, a['pool proxy']!) };
  console.log(`\n(a) ${o.seq} sequential streams of ${chunks} chunks @${o.paceMs} ms per path, interleaved, ms`);
  console.table({ ...a, ...added });
  const cpu = await streamCpu(agent, bases, o.pids, chunks);
  console.log(`\n(a) CPU µs per stream from /proc (${CPU_STREAMS} streams per path, 8 in flight, ${CPU_ROUNDS} interleaved rounds, mean), per process and path; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.table(cpu);
  return { a, added, cpu };
}

/** (b): `streams` concurrent long streams through agate, re-routed to the slow fake; the figures printed. */
async function concurrentStreams(o: { dbPath: string; gw: Child; agent: Agent; streams: number; seconds: number }) {
  const { gw, agent, streams } = o;
  const reg = Registry.open(o.dbPath);
  reg.llmRoutes.update({ name: 'fast', model: 'bench-model', targets: [{ provider: 'slow' }] }, 'cli');
  reg.close();
  await new Promise((r) => setTimeout(r, 300)); // the child polls the registry every 50 ms
  const idle = await gw.ask<{ rss: number; eldP99Ms: number }>('stats');
  const started = performance.now();
  const pending = Array.from({ length: streams }, () => stream(agent, `${gw.url}/v1`));
  await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 2));
  const mid = await gw.ask<{ rss: number; eldP99Ms: number }>('stats');
  const results = await Promise.all(pending);
  const end = await gw.ask<{ rss: number; eldP99Ms: number }>('stats');
  const b = {
    streams,
    seconds: r2((performance.now() - started) / 1000),
    completed: results.filter((r) => r.done && r.chunks === CHUNKS).length,
    disconnects: results.filter((r) => r.error !== undefined || !r.done).length,
    lostChunks: results.reduce((s, r) => s + (CHUNKS - r.chunks), 0),
    reordered: results.filter((r) => !r.inOrder).length,
    rssIdleMB: r2(idle.rss / 2 ** 20),
    rssPerStreamKB: r2((mid.rss - idle.rss) / 1024 / streams),
    eventLoopDelayP99Ms: r2(Math.max(mid.eldP99Ms, end.eldP99Ms)),
    ttftP99Ms: r2(percentile(results.map((r) => r.ttftMs), 99)),
  };
  console.log(`\n(b) ${streams} concurrent streams through agate`);
  console.table(b);
  return b;
}
