/**
 * MCP backends benchmark (`npm run bench -- mcp-backends`): the echo server (bench/mcp-echo-server.ts) as
 * agate's **stdio** backend (bench/mcp-stdio-echo.ts, spawned and supervised by agate) and as its **remote
 * Streamable HTTP** backend (SDK-built, on 127.0.0.1 in its own process), each against the same server reached
 * directly. Every path is driven by the SDK Client, so client-side cost is alike and only the hop differs.
 * Per backend, direct and via-agate run interleaved in rotating rounds, 1 and C calls in flight: added p50/p99
 * and throughput ratio; then the gateway's CPU time per call (robust to a loaded machine).
 * Targets (design §7): added p50 ≤ 1 ms, ≥ 0.7× direct throughput. For stdio, "direct" is the SDK client on the
 * child's pipe, which no HTTP path can match, so the stdio pair also runs the peer a team would otherwise deploy to
 * put a stdio server on HTTP: supergateway (stateful Streamable HTTP, one child per session; `npx -y
 * supergateway@4.0.0`, fetched on first use; MCPB_BENCH_PEER=off skips it).
 * The remote pair also runs with the raw HTTP client (bench/mcp-raw-client.ts), whose own cost hides nothing;
 * every path reports the gateway's and the upstream's CPU per call (/proc), and the run ends with issue #20's targets.
 * Env: MCPB_BENCH_CONC (32), MCPB_BENCH_SESSIONS (C: SDK clients per HTTP target, used in turn),
 * MCPB_BENCH_SECONDS (6 per target and width), MCPB_BENCH_ROUNDS (6),
 * MCPB_BENCH_BACKENDS (stdio,streamable-http,streamable-http-raw: which pairs run; one alone keeps a --cpu-prof profile clean).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Registry } from '../registry/index.js';
import { freePort } from './local.js';
import { Agent } from 'undici';
import { assertNoErrors, cpuPerCallBy, loadInterleaved, overhead, type Call } from './compare.js';
import { startChild } from './mcp.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { sdkEchoClients } from './mcp-sdk-client.js';
import { remoteCallTargets } from './mcp-targets.js';
import { cpuMicros, rssBytes } from './proc.js';
import { idleRssCheck, printTargets, type TargetCheck } from './targets.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const loads = () => loadavg().map((n) => Math.round(n * 100) / 100);

/** supergateway serving the stdio echo server over stateful Streamable HTTP; resolves once it answers. */
async function startSupergateway(stdioScript: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(stdioScript)}`;
  const args = ['-y', 'supergateway@4.0.0', '--stdio', command, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'];
  const child = spawn('npx', args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const url = `http://127.0.0.1:${port}/mcp`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`supergateway exited (${child.exitCode})`);
    const up = await fetch(url, { method: 'GET' }).then(() => true, () => false);
    if (up) return { url, child };
    if (Date.now() > deadline) throw new Error('supergateway did not start within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs both backends, prints tables and returns the figures. */
export async function run(): Promise<unknown> {
  const conc = env('MCPB_BENCH_CONC', 32);
  const seconds = env('MCPB_BENCH_SECONDS', 6);
  const rounds = env('MCPB_BENCH_ROUNDS', 6);
  const sessions = env('MCPB_BENCH_SESSIONS', conc);
  const stdioScript = fileURLToPath(new URL('./mcp-stdio-echo.js', import.meta.url));
  const figures: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), conc, sessions, seconds, rounds, loadavgBefore: loads() };
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-mcpb-'));
  const upstream = await startChild('./mcp-upstream-child.js');
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  const remote = { kind: 'remote' as const, url: upstream.url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} };
  reg.mcpServers.create({ name: 'echo-remote', backend: remote, enabled: true }, 'cli');
  const stdio = { kind: 'stdio' as const, command: process.execPath, args: [stdioScript], env: {}, secretEnv: {} };
  reg.mcpServers.create({ name: 'echo-stdio', backend: stdio, enabled: true }, 'cli');
  reg.close();
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  figures.idleRssMB = (rssBytes(gw.pid) ?? NaN) / 2 ** 20;
  const rawAgent = new Agent({ connections: sessions * 2 + 10, keepAliveTimeout: 60_000 });
  const raw: RawMcpSession[] = [];
  const peer = process.env.MCPB_BENCH_PEER === 'off' ? undefined : await startSupergateway(stdioScript);
  const clients: Client[] = [];
  try {
    const open = async (connect: () => Transport, count = sessions) => {
      const c = await sdkEchoClients(connect, count);
      clients.push(...c.clients);
      return c.call;
    };
    const openRaw = async (url: string) => {
      const opened = await Promise.all(Array.from({ length: sessions }, async () => {
        const s = new RawMcpSession(url, rawAgent);
        await s.initialize();
        return s;
      }));
      raw.push(...opened);
      let n = 0;
      return async () => void (await opened[n++ % opened.length]!.echo(`r${n}`));
    };
    const pairs: Record<string, Record<string, Call>> = {
      stdio: {
        // A stdio server is one session per process: direct gets one client, as agate's mux gets one process.
        direct: await open(() => new StdioClientTransport({ command: process.execPath, args: [stdioScript], stderr: 'inherit' }), 1),
        agate: await open(() => new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/echo-stdio`))),
        ...(peer && { supergateway: await open(() => new StreamableHTTPClientTransport(new URL(peer.url))) }),
      },
      'streamable-http': {
        direct: await open(() => new StreamableHTTPClientTransport(new URL(upstream.url))),
        agate: await open(() => new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/echo-remote`))),
      },
      // The raw HTTP client (bench/mcp-raw-client.ts): the SDK client's own cost no longer hides the gateway's.
      'streamable-http-raw': { direct: await openRaw(upstream.url), agate: await openRaw(`${gw.url}/mcp/echo-remote`) },
    };
    const only = (process.env.MCPB_BENCH_BACKENDS ?? 'stdio,streamable-http,streamable-http-raw').split(',');
    for (const [backend, targets] of Object.entries(pairs).filter(([b]) => only.includes(b))) {
      const out: Record<string, unknown> = {};
      for (const width of [1, conc]) {
        const rows = await loadInterleaved(targets, { width, seconds, rounds });
        assertNoErrors(rows, `${backend} width ${width}`);
        const table: Record<string, object> = { ...rows, agate: { ...rows.agate!, ...overhead(rows.agate!, rows.direct!) } };
        if (rows.supergateway) table['agate vs supergateway'] = overhead(rows.agate!, rows.supergateway);
        console.log(`\n${backend}: echo tools/call via agate vs direct (${backend.endsWith('-raw') ? 'raw HTTP client' : 'SDK Client'} both), ${width} in flight, ${seconds} s per target in ${rounds} interleaved rounds`);
        console.table(table);
        out[`width${width}`] = table;
      }
      // CPU per call on every path, from /proc: the gateway's and the upstream's (supergateway: its whole tree is
      // not measured; stdio direct: the child is the SDK client's, not measured).
      const cpu: Record<string, Record<string, number | undefined>> = {};
      for (const [name, call] of Object.entries(targets)) {
        cpu[name] = await cpuPerCallBy(call, { calls: 3000, width: 8 }, { gateway: () => cpuMicros(gw.pid), upstream: () => cpuMicros(backend === 'stdio' ? undefined : upstream.pid) });
      }
      out.cpuUsPerCall = cpu;
      out.gatewayCpuUsPerCall = cpu.agate?.gateway;
      console.log(`\n${backend}: CPU µs per tools/call from /proc (3000 calls, 8 in flight), gateway and upstream, per path`);
      console.table(cpu);
      figures[backend] = out;
    }
  } finally {
    await Promise.allSettled([...clients.map((c) => c.close()), ...raw.map((r) => r.close())]);
    await rawAgent.close();
    if (peer?.child.pid) process.kill(-peer.child.pid, 'SIGTERM');
    await gw.stop();
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  figures.loadavgAfter = loads();
  figures.targets = printTargets('mcp-backends', backendTargets(figures, conc));
  console.log(`\nload average before ${String(figures.loadavgBefore)}, after ${String(figures.loadavgAfter)}`);
  return figures;
}

/** The targets for the remote member (raw client) and "keep ahead" of supergateway for stdio. */
function backendTargets(figures: Record<string, unknown>, conc: number): TargetCheck[] {
  type Table = Record<string, Record<string, number | undefined>>;
  const raw = figures['streamable-http-raw'] as Record<string, Table> | undefined;
  const agate = (w: number) => raw?.[`width${w}`]?.agate;
  const remote = { ratio1: agate(1)?.throughputRatio, ratioC: agate(conc)?.throughputRatio, addedP50Ms: agate(1)?.addedP50Ms };
  const stdio = figures.stdio as Record<string, Table> | undefined;
  const ahead = (w: number): TargetCheck => ({ name: `stdio via agate vs supergateway, ${w} in flight (SDK client)`, goal: '≥ 1.0× (keep ahead)', value: stdio?.[`width${w}`]?.['agate vs supergateway']?.throughputRatio, unit: '×', ok: (v) => v >= 1 });
  const idle = figures.idleRssMB as number;
  return [...remoteCallTargets(raw ? remote : undefined, conc), ahead(1), ahead(conc), idleRssCheck(Number.isNaN(idle) ? undefined : idle * 2 ** 20)];
}
