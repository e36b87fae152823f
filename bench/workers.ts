/**
 * `npm run bench -- workers`: `agate serve --workers 2` against `--workers 1`, same run, same Redis, same
 * registry contents, on the proxy (a route to an nginx `return 200`) and on MCP tools/call (the seeded `time`
 * server's direct-response tool, 50 sessions). Load from wrk, 50 connections, reps interleaved between the two
 * gateways; median throughput, its p50, and the ratio (issue 16's goal: ≥ 1.6× on 2 cores). The load
 * generator, nginx and Redis share the same cores, so the load average is reported beside the figures.
 * Env: WORKERS_BENCH_SECONDS (default 5), WORKERS_BENCH_REPS (default 3).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot, Registry } from '../registry/index.js';
import { findOnPath, freePort } from './local.js';
import { GATEWAY_NODE_FLAGS } from './gateway-flags.js';
import { findNginx } from './reload-nginx.js';

const SECONDS = Number(process.env.WORKERS_BENCH_SECONDS ?? 5);
const REPS = Number(process.env.WORKERS_BENCH_REPS ?? 3);
const CONNECTIONS = 50;
const GOAL_RATIO = 1.6;
const execFileAsync = promisify(execFile);

interface Figures {
  rps: number;
  p50Ms: number;
  errors: number;
}

interface Gateway {
  workers: number;
  child: ChildProcess;
  url: string;
  sessionsScript: string;
}

export async function run(): Promise<unknown> {
  const wrk = findOnPath('wrk');
  const nginx = findNginx();
  if (!wrk || !nginx) throw new Error('bench workers needs wrk and nginx (apt-get install wrk nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'agate-workers-bench-'));
  const loadAtStart = loadavg();
  const stops: Array<() => void> = [];
  try {
    const redisPort = await freePort();
    stops.push(killer(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })));
    const upstream = await startNginxOk(nginx, dir);
    stops.push(upstream.stop);
    const gateways: Gateway[] = [];
    for (const workers of [1, 2]) {
      const gw = await startGateway({ dir, workers, upstream: upstream.url, redisUrl: `redis://127.0.0.1:${redisPort}` });
      stops.push(killer(gw.child));
      gateways.push(gw);
    }
    for (const gw of gateways) await Promise.all([wrkRun(wrk, `${gw.url}/plain/x`, 1), wrkRun(wrk, `${gw.url}/mcp/time`, 1, gw.sessionsScript)]); // warm-up: JIT, pools
    const proxy = await interleaved(gateways, (gw) => wrkRun(wrk, `${gw.url}/plain/x`, SECONDS));
    const mcp = await interleaved(gateways, (gw) => wrkRun(wrk, `${gw.url}/mcp/time`, SECONDS, gw.sessionsScript));
    return report({ proxy, mcp, loadAtStart });
  } finally {
    for (const stop of stops.reverse()) stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `agate serve --workers n --redis …` on its own registry, with a proxy route and 50 open MCP sessions. */
async function startGateway(o: { dir: string; workers: number; upstream: string; redisUrl: string }): Promise<Gateway> {
  const db = join(o.dir, `w${o.workers}.db`);
  const port = await freePort();
  const cli = join(packageRoot(), 'dist', 'cli', 'index.js');
  const args = [...GATEWAY_NODE_FLAGS, cli, '--db', db, 'serve', '--port', String(port), '--admin-port', '0', '--demo-port', '0', '--workers', String(o.workers), '--redis', o.redisUrl];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AGATE_ADMIN_TOKEN: 'agt_' + randomBytes(24).toString('hex'), AGATE_LOG_LEVEL: 'warn' } });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (c: Buffer) => {
      seen += c.toString();
      if (seen.includes('agate is running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`agate serve --workers ${o.workers} exited with ${code}:\n${seen}`)));
  });
  const r = Registry.open(db);
  r.routes.create({ name: 'plain', path: '/plain', upstream: o.upstream }, 'cli');
  r.close();
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/plain/x`)).status === 200, 'the route to be served');
  const sessions = await Promise.all(Array.from({ length: CONNECTIONS }, () => openSession(url)));
  const sessionsScript = join(o.dir, `w${o.workers}.lua`);
  writeFileSync(sessionsScript, toolCallScript(sessions));
  return { workers: o.workers, child, url, sessionsScript };
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

/** An initialized MCP 2025 session on the `time` server; its id. */
async function openSession(url: string): Promise<string> {
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };
  const res = await fetch(`${url}/mcp/time`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(init) });
  await res.text();
  const id = res.headers.get('mcp-session-id');
  if (res.status !== 200 || !id) throw new Error(`initialize answered ${res.status}`);
  const done = await fetch(`${url}/mcp/time`, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await done.text();
  return id;
}

/** A wrk script posting tools/call, each request on the next session in turn (one turn per session at a time). */
function toolCallScript(sessions: string[]): string {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get-current-time', arguments: { timeZone: 'Europe/London' } } });
  const headers = Object.entries(MCP_HEADERS).map(([k, v]) => `["${k}"] = "${v}"`).join(', ');
  return [
    `local sessions = { ${sessions.map((s) => `"${s}"`).join(', ')} }`,
    'local i = 0',
    `local body = '${body}'`,
    'request = function()',
    '  i = i % #sessions + 1',
    `  return wrk.format("POST", nil, { ${headers}, ["mcp-session-id"] = sessions[i] }, body)`,
    'end',
    '',
  ].join('\n');
}

async function wrkRun(wrk: string, url: string, seconds: number, script?: string): Promise<Figures> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const out = (await execFileAsync(wrk, args, { encoding: 'utf8' })).stdout;
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)), p50Ms: wrkLatency(out, '50%'), errors };
}

/** REPS rounds, each running `fn` on every gateway in turn (drift on a shared machine hits both alike). */
async function interleaved(gateways: Gateway[], fn: (gw: Gateway) => Promise<Figures>): Promise<Map<number, Figures[]>> {
  const out = new Map<number, Figures[]>(gateways.map((g) => [g.workers, []]));
  for (let rep = 0; rep < REPS; rep++) for (const gw of gateways) out.get(gw.workers)!.push(await fn(gw));
  return out;
}

function report(o: { proxy: Map<number, Figures[]>; mcp: Map<number, Figures[]>; loadAtStart: number[] }): unknown {
  const loadAtEnd = loadavg();
  const rows = (['proxy', 'mcp'] as const).map((kind) => {
    const one = median(o[kind].get(1)!);
    const two = median(o[kind].get(2)!);
    return { kind, one, two, ratio: Math.round((two.rps / one.rps) * 100) / 100, errors: [...o[kind].values()].flat().reduce((n, f) => n + f.errors, 0) };
  });
  const lines = ['| path | 1 worker req/s | p50 | 2 workers req/s | p50 | ratio | non-2xx/socket errors |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.kind === 'proxy' ? 'proxy (GET, nginx upstream)' : 'MCP tools/call (time)'} | ${r.one.rps} | ${r.one.p50Ms} ms | ${r.two.rps} | ${r.two.p50Ms} ms | ${r.ratio}× | ${r.errors} |`);
  process.stdout.write(`\n${lines.join('\n')}\n\ngoal ≥ ${GOAL_RATIO}× on 2 cores: proxy ${rows[0]!.ratio}×, MCP ${rows[1]!.ratio}×\n`);
  process.stdout.write(`wrk -t1 -c${CONNECTIONS}, ${REPS} reps × ${SECONDS} s, median; load average (1/5/15 min): ${fmt(o.loadAtStart)} at start, ${fmt(loadAtEnd)} at end\n`);
  return { seconds: SECONDS, reps: REPS, connections: CONNECTIONS, loadAverage: { start: o.loadAtStart, end: loadAtEnd }, rows };
}

function median(runs: Figures[]): Figures {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
}

function wrkLatency(out: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
  if (!m) return NaN;
  const n = Number(m[1]);
  return Math.round((m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n) * 1000) / 1000;
}

/** nginx answering `200 ok` itself: the cheapest upstream there is, so the gateway is what is measured. */
async function startNginxOk(nginx: string, dir: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const prefix = join(dir, 'nginx');
  const conf = join(dir, 'nginx.conf');
  spawnSync('mkdir', ['-p', join(prefix, 'tmp')]);
  writeFileSync(conf, [`pid ${prefix}/nginx.pid;`, `error_log ${prefix}/error.log;`, 'worker_processes 1;', 'events { worker_connections 1024; }', 'http {', '  access_log off;', `  client_body_temp_path ${prefix}/tmp;`, `  server { listen 127.0.0.1:${port}; keepalive_requests 100000; location / { return 200 "ok"; } }`, '}', ''].join('\n'));
  const master = spawn(nginx, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(url)).ok, 'nginx to answer');
  return { url, stop: () => void master.kill('SIGQUIT') };
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function killer(child: ChildProcess): () => void {
  return () => void child.kill('SIGTERM');
}

function fmt(l: number[]): string {
  return l.map((x) => x.toFixed(2)).join(' ');
}
