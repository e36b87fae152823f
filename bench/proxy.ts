import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { Registry, packageRoot } from '../registry/index.js';
import { findOnPath, freePort } from './local.js';
import { POOL_PROXY } from './pool-proxy.js';
import { cpuMicros, rssBytes } from './proc.js';
import { idleRssCheck, printTargets, round2 } from './targets.js';

/**
 * `npm run bench -- proxy`: one box, one run, six paths to the same upstream: (a) direct, (b) the minimal correct
 * Node proxy (node:http + undici Pool + pipe), (b') the undici Agent + stream.pipeline proxy that was the baseline
 * until 2026-12-07 (labelled, dearer than (b)), (c) agate with one plain route, (d) agate with key-auth + a rate limit that never trips + a header
 * rewrite, (e) nginx with one worker. Load from wrk (else autocannon): 50 connections for throughput, 1 for
 * the added per-hop latency. The proxy under test is pinned to CPU 0, load and upstream to CPU 1. Repetitions
 * are interleaved (rep 1 of every path, then rep 2, ...) so a burst of load from elsewhere hits all paths alike,
 * and each proxy's CPU time per request (from /proc) is reported next to req/s: it barely moves with load
 * from other processes, while req/s on a shared box can swing 2x between runs.
 */
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

const UPSTREAM = `
const http = require('node:http');
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }); res.end('ok'); })
  .listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));`;

// The bench's baseline until 2026-12-07, kept and labelled: undici Agent.request + stream.pipeline, which pays
// the pipeline's AbortController (a DOMException per finished request) and costs ~1.6× (b)'s CPU per request.
const AGENT_PIPELINE_PROXY = `
const http = require('node:http');
const { Agent } = require(${JSON.stringify(join(packageRoot(), 'node_modules', 'undici'))});
const { pipeline } = require('node:stream');
const agent = new Agent({ keepAliveTimeout: 10000 });
const origin = process.argv[2];
const HOP = new Set(['connection','keep-alive','proxy-connection','te','trailer','transfer-encoding','upgrade','host']);
http.createServer(async (req, res) => {
  const headers = {};
  for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];
  try {
    const up = await agent.request({ origin, path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req });
    const out = {};
    for (const k in up.headers) if (!HOP.has(k)) out[k] = up.headers[k];
    res.writeHead(up.statusCode, out);
    pipeline(up.body, res, () => {});
  } catch { res.writeHead(502).end(); }
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));`;

interface Figures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) the proxy process spent per request, µs; undefined for the direct path. */
  cpuUsPerReq?: number;
}
interface Row {
  path: string;
  c50: Figures;
  c1: Figures;
}
interface BenchPath {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The process whose CPU time is charged to this path (the proxy); none for the direct path. */
  pid?: number;
}

/** Runs the benchmark, prints the table and returns the figures (written to bench/results/ by run.ts). */
export async function run(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'agate-bench-proxy-'));
  const children: ChildProcess[] = [];
  try {
    const [upPort, poolPort, agentPort, agatePort, nginxPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const upstream = `http://127.0.0.1:${upPort}`;
    children.push(await startChild(['node', '-e', UPSTREAM, String(upPort)], '1'));
    const pool = await startChild(['node', '-e', POOL_PROXY, String(poolPort), upstream], '0');
    const agentProxy = await startChild(['node', '-e', AGENT_PIPELINE_PROXY, String(agentPort), upstream], '0');
    children.push(pool, agentProxy);
    const key = configureAgate(join(dir, 'agate.db'), upstream);
    const cli = join(packageRoot(), 'dist', 'cli', 'index.js');
    const agate = await startChild(['node', cli, '--db', join(dir, 'agate.db'), 'serve', '--port', String(agatePort), '--admin-port', '0', '--demo-port', '0', '--host', '127.0.0.1'], '0', 'agate is running');
    children.push(agate);
    const idleRss = rssBytes(agate.pid);
    const paths: BenchPath[] = [
      { name: '(a) direct', url: `${upstream}/plain/x`, headers: {} },
      { name: '(b) minimal proxy: node:http + undici Pool + pipe', url: `http://127.0.0.1:${poolPort}/plain/x`, headers: {}, pid: pool.pid },
      { name: "(b') undici Agent.request + stream.pipeline (the baseline until 2026-12-07)", url: `http://127.0.0.1:${agentPort}/plain/x`, headers: {}, pid: agentProxy.pid },
      { name: '(c) agate, 1 route, no filters', url: `http://127.0.0.1:${agatePort}/plain/x`, headers: {}, pid: agate.pid },
      { name: '(d) agate, key-auth + rate limit + header rewrite', url: `http://127.0.0.1:${agatePort}/full/x`, headers: { 'x-api-key': key }, pid: agate.pid },
    ];
    const nginx = findOnPath('nginx');
    if (nginx) {
      const master = await startNginx(nginx, dir, nginxPort, upPort);
      children.push(master);
      paths.push({ name: '(e) nginx, 1 worker', url: `http://127.0.0.1:${nginxPort}/plain/x`, headers: {}, pid: nginxWorker(master.pid) });
    }
    const wrk = findOnPath('wrk');
    const loadAtStart = loadavg();
    process.stdout.write(`load generator: ${wrk ? 'wrk' : 'autocannon'}; ${REPS} reps × ${SECONDS}s at 50 connections, interleaved, median reported; load average ${fmtLoad(loadAtStart)}\n`);
    for (const p of paths) await load(wrk, p, 1, 1); // warm-up: JIT, keep-alive pools
    const c50 = await interleaved(paths, (p) => load(wrk, p, 50, SECONDS));
    const c1 = await interleaved(paths, (p) => load(wrk, p, 1, SECONDS));
    const rows: Row[] = paths.map((p, i) => ({ path: p.name, c50: median(c50[i]!), c1: median(c1[i]!) }));
    for (const r of rows) process.stdout.write(`  ${r.path}: ${r.c50.rps} req/s\n`);
    return report(rows, { tool: wrk ? 'wrk' : 'autocannon', loadAtStart, idleRss });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates the two agate routes and a consumer; returns the consumer's key. */
function configureAgate(db: string, upstream: string): string {
  const r = Registry.open(db);
  try {
    r.routes.create({ name: 'plain', path: '/plain', upstream }, 'cli');
    r.consumers.store.create({ name: 'bench' }, 'cli');
    r.routes.create(
      {
        name: 'full',
        path: '/full',
        upstream,
        auth: { allow: ['bench'] },
        rateLimit: { requests: 100_000_000, per: 'second', by: 'consumer' },
        requestHeaders: { set: { 'x-env': 'bench' } },
      },
      'cli',
    );
    return r.consumers.issueKey('bench', 'cli').key;
  } finally {
    r.close();
  }
}

const execFileAsync = promisify(execFile);

async function load(wrk: string | undefined, path: BenchPath, connections: number, seconds: number): Promise<Figures> {
  const cpuBefore = cpuMicros(path.pid);
  let figures: Figures & { requests: number };
  if (wrk) {
    const args = ['1', wrk, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...Object.entries(path.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), path.url];
    // Asynchronous, so this process keeps reading the children's stdout while wrk runs: agate's access log
    // then costs what it costs in production (a reader on the pipe) instead of piling up in its memory.
    const out = (await execFileAsync('taskset', ['-c', ...args], { encoding: 'utf8' })).stdout;
    figures = {
      rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)),
      p50Ms: wrkLatency(out, '50%'),
      p99Ms: wrkLatency(out, '99%'),
      requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    };
  } else {
    const r = await autocannon({ url: path.url, headers: path.headers, connections, duration: seconds });
    figures = { rps: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r.requests.total };
  }
  const cpuAfter = cpuMicros(path.pid);
  const { requests, ...rest } = figures;
  if (cpuBefore === undefined || cpuAfter === undefined || requests === 0) return rest;
  return { ...rest, cpuUsPerReq: Math.round(((cpuAfter - cpuBefore) / requests) * 10) / 10 };
}

/** Runs `fn` REPS times for every path, one rep of each path in turn; results by path. */
async function interleaved(paths: BenchPath[], fn: (p: BenchPath) => Promise<Figures>): Promise<Figures[][]> {
  const out: Figures[][] = paths.map(() => []);
  for (let rep = 0; rep < REPS; rep++) for (let i = 0; i < paths.length; i++) out[i]!.push(await fn(paths[i]!));
  return out;
}

/** nginx's single worker process (the child of the master we spawned). */
function nginxWorker(masterPid: number | undefined): number | undefined {
  if (masterPid === undefined) return undefined;
  const r = spawnSync('pgrep', ['-P', String(masterPid)], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function wrkLatency(out: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
  if (!m) return NaN;
  const n = Number(m[1]);
  return Math.round((m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n) * 1000) / 1000;
}

/** The run with the median throughput (its latencies come with it). */
function median(runs: Figures[]): Figures {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
}

function report(rows: Row[], run: { tool: string; loadAtStart: number[]; idleRss: number | undefined }): unknown {
  const byTag = (tag: string) => rows.find((r) => r.path.startsWith(tag))!;
  const pool = byTag('(b)').c50;
  const directP50 = byTag('(a)').c1.p50Ms;
  const lines = [
    '| path | req/s (c=50) | p50 | p99 | vs (b) | proxy CPU µs/req | this CPU / (b) CPU | p50 at c=1 | added p50 vs (a) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const added = Math.round((r.c1.p50Ms - directP50) * 1000);
    const cpu = r.c50.cpuUsPerReq;
    const cpuRatio = cpu && pool.cpuUsPerReq ? (cpu / pool.cpuUsPerReq).toFixed(2) : '–';
    lines.push(
      `| ${r.path} | ${r.c50.rps} | ${r.c50.p50Ms} ms | ${r.c50.p99Ms} ms | ${(r.c50.rps / pool.rps).toFixed(2)} | ${cpu ?? '–'} | ${cpuRatio} | ${r.c1.p50Ms} ms | ${r.path.startsWith('(a)') ? '–' : `+${added} µs`} |`,
    );
  }
  const [c, d] = [byTag('(c)'), byTag('(d)')];
  const cpuOf = (r: Row, base: Figures) => (r.c50.cpuUsPerReq && base.cpuUsPerReq ? round2(r.c50.cpuUsPerReq / base.cpuUsPerReq) : undefined);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const targets = printTargets(`proxy (wrk ${REPS} reps × ${SECONDS} s, medians)`, [
    { name: '(c) throughput vs (b) minimal Pool proxy, c=50', goal: '≥ 1.0×', value: round2(c.c50.rps / pool.rps), unit: '×', ok: (v) => v >= 1 },
    { name: '(c) CPU per request vs (b)', goal: '≤ 1.0×', value: cpuOf(c, pool), unit: '×', ok: (v) => v <= 1 },
    { name: '(c) added p50 at one connection vs (a) direct', goal: '≤ 120 µs', value: Math.round((c.c1.p50Ms - directP50) * 1000), unit: ' µs', ok: (v) => v <= 120 },
    { name: 'filter chain: (d) throughput lost vs (c)', goal: '≤ 10 %', value: round2((1 - d.c50.rps / c.c50.rps) * 100), unit: ' %', ok: (v) => v <= 10 },
    { name: 'filter chain: (d) CPU per request added vs (c) (by CPU)', goal: '≤ 10 %', value: c.c50.cpuUsPerReq && d.c50.cpuUsPerReq ? round2((d.c50.cpuUsPerReq / c.c50.cpuUsPerReq - 1) * 100) : undefined, unit: ' %', ok: (v) => v <= 10 },
    idleRssCheck(run.idleRss),
  ]);
  const loadAtEnd = loadavg();
  process.stdout.write(`load average (1/5/15 min): ${fmtLoad(run.loadAtStart)} at start, ${fmtLoad(loadAtEnd)} at end\n`);
  return { tool: run.tool, reps: REPS, seconds: SECONDS, loadAverage: { start: run.loadAtStart, end: loadAtEnd }, idleRssMB: run.idleRss && round2(run.idleRss / 2 ** 20), rows, targets };
}

function fmtLoad(l: number[]): string {
  return l.map((x) => x.toFixed(2)).join(' ');
}

/** Spawns `argv` pinned to `cpu`, resolving once it prints `ready` (stdout or stderr). */
function startChild(argv: string[], cpu: string, ready = 'ready'): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', cpu, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AGATE_ADMIN_TOKEN: randomBytes(24).toString('hex') } });
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer) => {
      seen += c.toString();
      if (seen.includes(ready)) {
        // Keep draining output (access logs) so the child never blocks on a full pipe.
        child.stdout!.removeListener('data', onData);
        child.stderr!.removeListener('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${argv.slice(0, 3).join(' ')} exited with ${code}: ${seen}`)));
  });
}

function startNginx(nginx: string, dir: string, port: number, upPort: number): Promise<ChildProcess> {
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')};`,
      'worker_processes 1;',
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${prefix}/tmp/body; proxy_temp_path ${prefix}/tmp/proxy; fastcgi_temp_path ${prefix}/tmp/fcgi;`,
      `  uwsgi_temp_path ${prefix}/tmp/uwsgi; scgi_temp_path ${prefix}/tmp/scgi;`,
      `  upstream up { server 127.0.0.1:${upPort}; keepalive 64; }`,
      `  server { listen 127.0.0.1:${port}; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
      '}',
    ].join('\n'),
  );
  const child = spawn('taskset', ['-c', '0', nginx, '-p', prefix, '-c', conf], { stdio: 'ignore' });
  // nginx prints nothing when ready: poll the port.
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const probe = () =>
      fetch(`http://127.0.0.1:${port}/`).then(
        () => resolve(child),
        () => (Date.now() - started > 5000 ? reject(new Error('nginx did not start')) : setTimeout(probe, 50)),
      );
    probe();
  });
}
