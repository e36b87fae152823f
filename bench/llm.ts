/**
 * LLM routing benchmark. A fake OpenAI provider (its own process) streams 200 chunks at a fixed pace.
 * (a) client → agate → fake vs client → fake: TTFT p50/p99 and total time, sequential requests.
 * (b) N concurrent streams through agate for S seconds: disconnects, lost/reordered chunks (sequence numbers),
 *     gateway RSS per stream and event-loop delay p99 (the gateway runs in a child process).
 * (a) also reports the gateway's and the fake's CPU per stream on each path (from /proc), and the run ends with
 *     issue #20's targets (added TTFT p50 ≤ 0.5 ms, p99 ≤ 2 ms; idle RSS ≤ 80 MB) judged against its figures.
 * Env: LLM_BENCH_SEQ (default 100), LLM_BENCH_STREAMS (1000), LLM_BENCH_SECONDS (20), LLM_BENCH_PACE_MS (1, part (a)'s
 * chunk interval: an added TTFT that grows with it means the gateway holds the first event until the next chunk).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { Registry, packageRoot } from '../registry/index.js';
import { CHUNKS } from './llm-provider-child.js';
import { startChild } from './mcp.js';
import { percentile } from './stats.js';
import { cpuPerCallBy } from './compare.js';
import { cpuMicros, rssBytes } from './proc.js';
import { idleRssCheck, printTargets } from './targets.js';

interface StreamResult {
  ttftMs: number;
  totalMs: number;
  chunks: number;
  inOrder: boolean;
  done: boolean;
  error?: string;
}

/** One streamed chat call; checks the sequence numbers 0..199 arrive once each, in order. */
async function stream(agent: Agent, base: string): Promise<StreamResult> {
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
    return { ttftMs, totalMs: performance.now() - t0, chunks: next, inOrder, done: text.includes('[DONE]') || next === CHUNKS };
  } catch (err) {
    return { ttftMs, totalMs: performance.now() - t0, chunks: next, inOrder, done: false, error: (err as Error).message };
  }
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** Streams per path for the CPU figures. */
const CPU_STREAMS = 200;

/** CPU µs per stream of each process in `pids`, on each path of `bases` (8 streams in flight, checked). */
async function streamCpu(agent: Agent, bases: Record<string, string>, pids: Record<string, number | undefined>) {
  const out: Record<string, Record<string, number | undefined>> = {};
  const readers = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, () => cpuMicros(pid)]));
  for (const [path, base] of Object.entries(bases)) {
    const call = async () => {
      const r = await stream(agent, base);
      if (!r.done || r.chunks !== CHUNKS) throw new Error(`${path}: stream incomplete (${r.chunks} chunks${r.error ? `, ${r.error}` : ''})`);
    };
    out[path] = await cpuPerCallBy(call, { calls: CPU_STREAMS, width: 8, warmup: 5 }, readers);
  }
  return out;
}

/** Runs both parts, prints tables, writes bench/results/llm-<time>.json. */
export async function run(): Promise<void> {
  const seq = Number(process.env.LLM_BENCH_SEQ ?? 100);
  const streams = Number(process.env.LLM_BENCH_STREAMS ?? 1000);
  const seconds = Number(process.env.LLM_BENCH_SECONDS ?? 20);
  const paceMs = Number(process.env.LLM_BENCH_PACE_MS ?? 1);
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-llm-'));
  // The fake provider runs in its own process, as a provider is never in the client's: "direct" pays the same
  // process hop a real call does, and the load generator's event loop serves only the client.
  const fastFake = await startChild('./llm-provider-child.js', [String(paceMs)]);
  const slowFake = await startChild('./llm-provider-child.js', [String(Math.max(1, Math.round((seconds * 1000) / CHUNKS)))]);
  const fakeUrl = (fake: { url: string }) => `${fake.url}/v1`;
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  reg.secrets.put('bench-key', 'sk-bench', 'cli');
  reg.llmProviders.create({ name: 'fast', type: 'openai', baseUrl: fakeUrl(fastFake), keySecrets: ['bench-key'] }, 'cli');
  reg.llmProviders.create({ name: 'slow', type: 'openai', baseUrl: fakeUrl(slowFake), keySecrets: ['bench-key'] }, 'cli');
  reg.llmRoutes.create({ name: 'fast', model: 'bench-model', targets: [{ provider: 'fast' }] }, 'cli');
  reg.close();
  const gw = await startChild('./llm-gateway-child.js', [dbPath]);
  const idleRss = rssBytes(gw.pid);
  const { url } = gw;
  const agent = new Agent({ connections: streams + 10, keepAliveTimeout: 30_000 });
  try {
    // (a) overhead, sequential, after a short warm-up.
    for (let i = 0; i < 5; i++) await stream(agent, `${url}/v1`), await stream(agent, fakeUrl(fastFake));
    const direct: StreamResult[] = [];
    const viaAgate: StreamResult[] = [];
    for (let i = 0; i < seq; i++) {
      direct.push(await stream(agent, fakeUrl(fastFake)));
      viaAgate.push(await stream(agent, `${url}/v1`));
    }
    const part = (rs: StreamResult[]) => ({ ttftP50: r2(percentile(rs.map((r) => r.ttftMs), 50)), ttftP99: r2(percentile(rs.map((r) => r.ttftMs), 99)), totalP50: r2(percentile(rs.map((r) => r.totalMs), 50)), totalP99: r2(percentile(rs.map((r) => r.totalMs), 99)) });
    const a = { direct: part(direct), agate: part(viaAgate) };
    const added = { ttftP50: r2(a.agate.ttftP50 - a.direct.ttftP50), ttftP99: r2(a.agate.ttftP99 - a.direct.ttftP99), totalP50: r2(a.agate.totalP50 - a.direct.totalP50) };
    console.log(`\n(a) ${seq} sequential streams of ${CHUNKS} chunks @${paceMs} ms, ms`);
    console.table({ ...a, 'agate - direct': added });
    const cpu = await streamCpu(agent, { direct: fakeUrl(fastFake), agate: `${url}/v1` }, { gateway: gw.pid, provider: fastFake.pid });
    console.log(`\n(a) CPU µs per stream from /proc (${CPU_STREAMS} streams, 8 in flight), gateway and fake provider, per path; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
    console.table(cpu);

    // (b) many concurrent long streams through agate.
    const reg2 = Registry.open(dbPath);
    reg2.llmRoutes.update({ name: 'fast', model: 'bench-model', targets: [{ provider: 'slow' }] }, 'cli');
    reg2.close();
    await new Promise((r) => setTimeout(r, 300)); // the child polls the registry every 50 ms
    const idle = await gw.ask<{ rss: number; eldP99Ms: number }>('stats');
    const started = performance.now();
    const pending = Array.from({ length: streams }, () => stream(agent, `${url}/v1`));
    await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
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
    const targets = printTargets(`llm (${seq} sequential streams)`, [
      { name: '(a) added time to first token p50', goal: '≤ 0.5 ms', value: added.ttftP50, unit: ' ms', ok: (v) => v <= 0.5 },
      { name: '(a) added time to first token p99', goal: '≤ 2 ms', value: added.ttftP99, unit: ' ms', ok: (v) => v <= 2 },
      idleRssCheck(idleRss),
    ]);
    const out = join(packageRoot(), 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const loadAverage = loadavg();
    writeFileSync(join(out, `llm-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ a, added, cpu, b, targets, seq, paceMs, loadAverage, node: process.version }, null, 2));
  } finally {
    await gw.stop();
    await agent.close();
    await fastFake.stop();
    await slowFake.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
