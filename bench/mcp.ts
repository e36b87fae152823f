/**
 * MCP router benchmark (`npm run bench -- mcp`). An echo MCP server built with the SDK runs on 127.0.0.1 in its
 * own process; agate runs in another (so its RSS and event-loop delay are its own) and serves that server twice:
 * `echo-remote` (a remote Streamable HTTP backend: the real pass-through) and `echo-hosted` (the same McpServer
 * hosted in process). Load comes from raw HTTP sessions over undici (bench/mcp-raw-client.ts).
 * (a) tools/call round trip, direct vs through agate, in interleaved rounds: added p50/p99 (one call in flight),
 * throughput ratio (C sessions) and the gateway's CPU time per call.
 * (b) N initialized sessions, each with its GET stream open: gateway RSS and heap per session.
 * (c) L sessions calling tools back to back for S seconds: errors and the gateway's event-loop delay p99.
 * Env: MCP_BENCH_SEQ_SECONDS (6), MCP_BENCH_CONC (32), MCP_BENCH_TPUT_SECONDS (10), MCP_BENCH_ROUNDS (5), MCP_BENCH_SESSIONS (10000),
 * MCP_BENCH_SESSIONS_BACKEND (hosted | remote, default hosted), MCP_BENCH_LOAD_SESSIONS (1000),
 * MCP_BENCH_LOAD_SECONDS (60), MCP_BENCH_LOAD_BACKEND (remote | hosted, default remote), MCP_BENCH_PARTS (abc).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { Registry } from '../registry/index.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { GATEWAY_NODE_FLAGS } from './gateway-flags.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { assertNoErrors, cpuPerCallBy, loadInterleaved, overhead, type Call } from './compare.js';
import { sdkEchoClients } from './mcp-sdk-client.js';
import { cpuMicros, rssBytes } from './proc.js';
import { mcpTargets } from './mcp-targets.js';
import { printTargets } from './targets.js';
import { percentile } from './stats.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const r2 = (n: number) => Math.round(n * 100) / 100;

/** A forked bench child: its URL, one-message-at-a-time IPC and a clean stop. */
export interface Child {
  readonly url: string;
  /** The child's process id, to measure it from outside (/proc). */
  readonly pid: number | undefined;
  ask<T>(msg: string): Promise<T>;
  stop(): Promise<void>;
}

interface GatewayStats {
  rss: number;
  heapUsed: number;
  external: number;
  eldP99Ms: number;
  eldMaxMs: number;
}

/**
 * Extra Node flags for gateway children only, from BENCH_CHILD_EXEC_ARGV: e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'
 * profiles the gateway (NODE_OPTIONS refuses --cpu-prof), '--trace-gc' shows its collections. The llm bench gives
 * them to its baseline proxy too, so both profiles come from the same run.
 */
export function gatewayExecArgv(): string[] {
  return process.env.BENCH_CHILD_EXEC_ARGV?.split(' ').filter(Boolean) ?? [];
}

/** Forks a bench child that reports `{ url }` first, then answers one message at a time. */
export async function startChild(file: string, args: string[] = []): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc', ...GATEWAY_NODE_FLAGS, ...(file.includes('gateway') ? gatewayExecArgv() : [])],
  });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string }));
    child.once('exit', (code) => reject(new Error(`${file} exited (${String(code)}) before listening`)));
  });
  let queue = Promise.resolve();
  return {
    url,
    pid: child.pid,
    ask<T>(msg: string) {
      const answer = queue.then(() => new Promise<T>((resolve) => { child.once('message', (m) => resolve(m as T)); child.send(msg); }));
      queue = answer.then(() => undefined, () => undefined);
      return answer;
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send('stop');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }),
  };
}

/** Runs `count` jobs with at most `width` in flight; resolves with how many failed and the first error. */
async function inBatches(count: number, width: number, job: (i: number) => Promise<void>): Promise<{ failed: number; firstError?: string }> {
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await job(i).catch((err: Error) => {
        failed++;
        firstError ??= err.message;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return { failed, firstError };
}

/**
 * `sessions` raw sessions calling echo back to back for `seconds`. `onStart` runs once every session is open
 * (so the figures of the calling phase leave the set-up burst out), `onTick` every 5 s of it.
 */
async function sustained(url: string, agent: Agent, sessions: number, seconds: number, hooks: { onStart?: () => Promise<void>; onTick?: () => Promise<void> } = {}) {
  const { onStart, onTick } = hooks;
  const opened: RawMcpSession[] = [];
  const setup = await inBatches(sessions, 100, async () => {
    const s = new RawMcpSession(url, agent);
    await s.initialize();
    opened.push(s);
  });
  await onStart?.();
  const until = performance.now() + seconds * 1000;
  let calls = 0;
  let errors = setup.failed;
  let firstError = setup.firstError;
  const samples: number[] = [];
  const ticker = onTick && setInterval(() => void onTick(), 5_000);
  const started = performance.now();
  await Promise.all(
    opened.map(async (s, k) => {
      for (let i = 0; performance.now() < until; i++) {
        try {
          const ms = await s.echo(`s${k}-${i}`);
          calls++;
          if (samples.length < 200_000) samples.push(ms);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (ticker) clearInterval(ticker);
  await inBatches(opened.length, 100, (i) => opened[i]!.close());
  return { sessions: opened.length, calls, callsPerSecond: Math.round(calls / elapsed), errors, firstError, p50Ms: r2(percentile(samples, 50)), p99Ms: r2(percentile(samples, 99)) };
}

/** Runs the parts selected by MCP_BENCH_PARTS, prints tables and returns the figures. */
export async function run(): Promise<unknown> {
  const parts = process.env.MCP_BENCH_PARTS ?? 'abc';
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-mcp-'));
  const upstream = await startChild('./mcp-upstream-child.js');
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  const remote = { kind: 'remote' as const, url: upstream.url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} };
  reg.mcpServers.create({ name: 'echo-remote', backend: remote, enabled: true }, 'cli');
  reg.mcpServers.create({ name: 'echo-hosted', backend: { kind: 'hosted', server: 'bench-echo', settings: {}, secretSettings: {} }, enabled: true }, 'cli');
  reg.close();
  const endpoint = (gw: Child, name: string) => `${gw.url}/mcp/${name}`;
  // The box is shared: the load average before and after says how much the figures can be trusted.
  const figures: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), loadavgBefore: loadavg() };
  try {
    if (parts.includes('a')) figures.a = await partA(upstream, dbPath, endpoint);
    if (parts.includes('b')) figures.b = await partB(dbPath, endpoint);
    if (parts.includes('c')) figures.c = await partC(dbPath, endpoint);
    figures.loadavgAfter = loadavg();
    figures.targets = printTargets('mcp', mcpTargets(figures));
  } finally {
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}

/** A Call that echoes a fresh text through `sessions` in turn (each checks its answer). */
function echoCall(sessions: RawMcpSession[]): Call {
  let n = 0;
  return async () => {
    const k = n++;
    await sessions[k % sessions.length]!.echo(`m${k}`);
  };
}

async function openSessions(url: string, agent: Agent, count: number): Promise<RawMcpSession[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const s = new RawMcpSession(url, agent);
      await s.initialize();
      return s;
    }),
  );
}

/** The paths of (a): a name → URL per client kind; the SDK client runs against direct and the remote backend. */
function partAPaths(directUrl: string, gw: Child, endpoint: (gw: Child, name: string) => string) {
  const remote = endpoint(gw, 'echo-remote');
  return {
    raw: { direct: directUrl, 'agate (remote backend)': remote, 'agate (hosted)': endpoint(gw, 'echo-hosted') },
    sdk: { 'direct, SDK client': directUrl, 'agate (remote backend), SDK client': remote },
  };
}

/** Opens `count` sessions per URL of `urls` with the raw or the SDK client; a Call per URL. */
async function openCalls(kind: 'raw' | 'sdk', urls: Record<string, string>, count: number, held: { raw: RawMcpSession[]; sdk: Client[] }, agent: Agent) {
  const out: Record<string, Call> = {};
  for (const [name, url] of Object.entries(urls)) {
    if (kind === 'sdk') {
      const c = await sdkEchoClients(() => new StreamableHTTPClientTransport(new URL(url)), count);
      held.sdk.push(...c.clients);
      out[name] = c.call;
      continue;
    }
    const sessions = await openSessions(url, agent, count);
    held.raw.push(...sessions);
    out[name] = echoCall(sessions);
  }
  return out;
}

/**
 * (a) Direct, remote and hosted loaded in interleaved rounds with the order rotating (bench/compare.ts), so a
 * neighbour's burst of CPU lands on all three alike: first one call at a time on one session (added latency),
 * then C sessions calling back to back (throughput); then the gateway's and the upstream's CPU time per call on
 * each path (from /proc). Once with the raw HTTP client, once with the SDK client, whose own cost hides part of
 * the gateway's.
 */
async function partA(upstream: Child, dbPath: string, endpoint: (gw: Child, name: string) => string) {
  const conc = env('MCP_BENCH_CONC', 32);
  const seqSeconds = env('MCP_BENCH_SEQ_SECONDS', 6);
  const seconds = env('MCP_BENCH_TPUT_SECONDS', 10);
  const rounds = env('MCP_BENCH_ROUNDS', 5);
  const clients = (process.env.MCP_BENCH_CLIENTS ?? 'raw,sdk').split(',') as Array<'raw' | 'sdk'>;
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const idleRss = rssBytes(gw.pid);
  const agent = new Agent({ connections: conc * 2 + 10, keepAliveTimeout: 60_000 });
  const held = { raw: [] as RawMcpSession[], sdk: [] as Client[] };
  const out: Record<string, unknown> = { conc, seqSeconds, seconds, rounds, idleRss };
  try {
    const paths = partAPaths(upstream.url, gw, endpoint);
    for (const kind of clients) {
      const urls = paths[kind];
      const seq = await loadInterleaved(await openCalls(kind, urls, 1, held, agent), { width: 1, seconds: seqSeconds, rounds });
      const tput = await loadInterleaved(await openCalls(kind, urls, conc, held, agent), { width: conc, seconds, rounds });
      assertNoErrors(seq, `(a) ${kind} sequential`);
      assertNoErrors(tput, `(a) ${kind} throughput`);
      const cpuCalls = await openCalls(kind, urls, 8, held, agent);
      const direct = Object.keys(urls)[0]!;
      const rows: Record<string, Record<string, number | undefined>> = {};
      for (const name of Object.keys(urls)) {
        const [one, many] = [seq[name]!, tput[name]!];
        const cpu = await cpuPerCallBy(cpuCalls[name]!, { calls: 3000, width: 8 }, { gateway: () => cpuMicros(gw.pid), upstream: () => cpuMicros(upstream.pid) });
        rows[name] = { p50Ms: one.p50Ms, p99Ms: one.p99Ms, callsPerSecond1: one.callsPerSecond, callsPerSecondC: many.callsPerSecond, loadedP50Ms: many.p50Ms, gatewayCpuUs: cpu.gateway, upstreamCpuUs: cpu.upstream };
        if (name === direct) continue;
        Object.assign(rows[name], { addedP50Ms: overhead(one, seq[direct]!).addedP50Ms, addedP99Ms: overhead(one, seq[direct]!).addedP99Ms, ratio1: overhead(one, seq[direct]!).throughputRatio, ratioC: overhead(many, tput[direct]!).throughputRatio });
      }
      console.log(`\n(a) echo tools/call, ${kind} client, ${rounds} interleaved rounds: 1 call in flight for ${seqSeconds} s per path; then ${conc} sessions back to back for ${seconds} s per path; CPU µs per call from /proc (3000 calls, 8 in flight); load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
      console.table(rows);
      out[kind] = rows;
    }
    return out;
  } finally {
    await Promise.all(held.raw.map((s) => s.close().catch(() => {})));
    await Promise.allSettled(held.sdk.map((c) => c.close()));
    await agent.close();
    await gw.stop();
  }
}

async function partB(dbPath: string, endpoint: (gw: Child, name: string) => string) {
  const n = env('MCP_BENCH_SESSIONS', 10_000);
  const backend = process.env.MCP_BENCH_SESSIONS_BACKEND ?? 'hosted';
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const agent = new Agent({ connections: n + 200, keepAliveTimeout: 120_000 });
  const streams = new AbortController();
  setMaxListeners(0, streams.signal); // one listener per open stream, by design
  try {
    const url = endpoint(gw, `echo-${backend}`);
    // Warm up code paths and lazily built state (schemas, snapshot, undici pools) before the baseline.
    await inBatches(50, 10, async () => {
      const s = new RawMcpSession(url, agent);
      await s.initialize();
      await s.echo('warm');
      await s.close();
    });
    const before = await gw.ask<GatewayStats>('gc');
    const outsideBefore = rssBytes(gw.pid);
    const t0 = performance.now();
    const open = (count: number) =>
      inBatches(count, 200, async () => {
        const s = new RawMcpSession(url, agent);
        await s.initialize();
        await s.openStream(streams.signal);
      });
    // Opened in two halves: the second half's growth is the marginal cost of a session, free of one-off
    // growth such as V8's young generation reaching its configured size.
    const half = Math.floor(n / 2);
    const first = await open(half);
    await new Promise((r) => setTimeout(r, 1_000));
    const middle = await gw.ask<GatewayStats>('gc');
    const second = await open(n - half);
    const setupSeconds = r2((performance.now() - t0) / 1000 - 1);
    await new Promise((r) => setTimeout(r, 2_000));
    // From outside first (/proc, no forced collection: what an operator's `ps` shows), then after a full GC.
    const outsideAfter = rssBytes(gw.pid);
    const after = await gw.ask<GatewayStats>('gc');
    const opened = { failed: first.failed + second.failed, firstError: first.firstError ?? second.firstError };
    const live = n - opened.failed;
    const secondLive = Math.max(1, n - half - second.failed);
    const b = {
      sessions: live,
      backend,
      failed: opened.failed,
      firstError: opened.firstError,
      setupSeconds,
      rssBeforeMB: r2(before.rss / 2 ** 20),
      rssAfterMB: r2(after.rss / 2 ** 20),
      rssPerSessionKB: r2((after.rss - before.rss) / 1024 / Math.max(1, live)),
      outsideRssPerSessionKB: outsideBefore && outsideAfter ? r2((outsideAfter - outsideBefore) / 1024 / Math.max(1, live)) : undefined,
      marginalRssPerSessionKB: r2((after.rss - middle.rss) / 1024 / secondLive),
      heapPerSessionKB: r2((after.heapUsed - before.heapUsed) / 1024 / Math.max(1, live)),
      externalPerSessionKB: r2((after.external - before.external) / 1024 / Math.max(1, live)),
    };
    console.log(`\n(b) ${n} initialized sessions with their GET stream open (echo-${backend})`);
    console.table(b);
    return b;
  } finally {
    streams.abort();
    await agent.destroy();
    await gw.stop();
  }
}

async function partC(dbPath: string, endpoint: (gw: Child, name: string) => string) {
  const sessions = env('MCP_BENCH_LOAD_SESSIONS', 1000);
  const seconds = env('MCP_BENCH_LOAD_SECONDS', 60);
  const backend = process.env.MCP_BENCH_LOAD_BACKEND ?? 'remote';
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const agent = new Agent({ connections: sessions + 50, keepAliveTimeout: 60_000 });
  try {
    const url = endpoint(gw, `echo-${backend}`);
    // The histogram is reset once every session is open, then read (and kept) every 5 s: the worst window's
    // p99 of the calling phase is reported, not a run-long blend (session set-up is part (b)'s subject).
    const windows: GatewayStats[] = [];
    const reset = async () => void (await gw.ask('reset'));
    const tick = async () => {
      windows.push(await gw.ask<GatewayStats>('stats'));
      await reset();
    };
    const load = await sustained(url, agent, sessions, seconds, { onStart: reset, onTick: tick });
    windows.push(await gw.ask<GatewayStats>('stats'));
    if (process.env.MCP_BENCH_DEBUG_WINDOWS) console.log('window p99s', windows.map((w) => r2(w.eldP99Ms)).join(' '));
    const c = {
      ...load,
      backend,
      seconds,
      eventLoopDelayP99Ms: r2(Math.max(...windows.map((w) => w.eldP99Ms))),
      eventLoopDelayMaxMs: r2(Math.max(...windows.map((w) => w.eldMaxMs))),
      gatewayRssMB: r2(Math.max(...windows.map((w) => w.rss)) / 2 ** 20),
    };
    console.log(`\n(c) ${sessions} sessions calling echo back to back for ${seconds} s (echo-${backend})`);
    console.table(c);
    return c;
  } finally {
    await agent.close();
    await gw.stop();
  }
}
