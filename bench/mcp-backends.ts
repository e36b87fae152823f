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
 * Env: MCPB_BENCH_CONC (32), MCPB_BENCH_SESSIONS (C: SDK clients per HTTP target, used in turn),
 * MCPB_BENCH_SECONDS (6 per target and width), MCPB_BENCH_ROUNDS (6),
 * MCPB_BENCH_BACKENDS (stdio,streamable-http: which pairs run; one alone keeps a --cpu-prof profile clean).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Registry } from '../registry/index.js';
import { assertNoErrors, cpuPerCall, loadInterleaved, overhead, type Call } from './compare.js';
import { startChild } from './mcp.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const loads = () => loadavg().map((n) => Math.round(n * 100) / 100);

/**
 * `sessions` SDK clients, each on a transport from `connect`, and a Call that echoes a fresh text through them
 * in turn and checks the answer.
 */
async function echoClients(connect: () => Transport, sessions: number): Promise<{ clients: Client[]; call: Call }> {
  const clients = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(connect());
      return client;
    }),
  );
  let n = 0;
  const call = async () => {
    const text = `m${n}`;
    const client = clients[n++ % clients.length]!;
    const result = (await client.callTool({ name: 'echo', arguments: { text } })) as { isError?: boolean; content?: Array<{ text?: string }> };
    if (result.isError || result.content?.[0]?.text !== text) throw new Error(`echo: unexpected result ${JSON.stringify(result).slice(0, 200)}`);
  };
  return { clients, call };
}

/** A free loopback port. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
  const peer = process.env.MCPB_BENCH_PEER === 'off' ? undefined : await startSupergateway(stdioScript);
  const clients: Client[] = [];
  try {
    const open = async (connect: () => Transport, count = sessions) => {
      const c = await echoClients(connect, count);
      clients.push(...c.clients);
      return c.call;
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
    };
    const gatewayCpu = async () => {
      const c = await gw.ask<{ user: number; system: number }>('cpu');
      return c.user + c.system;
    };
    const only = (process.env.MCPB_BENCH_BACKENDS ?? 'stdio,streamable-http').split(',');
    for (const [backend, targets] of Object.entries(pairs).filter(([b]) => only.includes(b))) {
      const out: Record<string, unknown> = {};
      for (const width of [1, conc]) {
        const rows = await loadInterleaved(targets, { width, seconds, rounds });
        assertNoErrors(rows, `${backend} width ${width}`);
        const table: Record<string, object> = { ...rows, agate: { ...rows.agate!, ...overhead(rows.agate!, rows.direct!) } };
        if (rows.supergateway) table['agate vs supergateway'] = overhead(rows.agate!, rows.supergateway);
        console.log(`\n${backend}: echo tools/call via agate vs direct (SDK Client both), ${width} in flight, ${seconds} s per target in ${rounds} interleaved rounds`);
        console.table(table);
        out[`width${width}`] = table;
      }
      out.gatewayCpuUsPerCall = Math.round(await cpuPerCall(targets.agate!, { calls: 3000, width: 8 }, gatewayCpu));
      console.log(`\n${backend}: gateway CPU per tools/call (3000 calls, 8 in flight): ${String(out.gatewayCpuUsPerCall)} µs`);
      figures[backend] = out;
    }
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (peer?.child.pid) process.kill(-peer.child.pid, 'SIGTERM');
    await gw.stop();
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  figures.loadavgAfter = loads();
  console.log(`\nload average before ${String(figures.loadavgBefore)}, after ${String(figures.loadavgAfter)}`);
  return figures;
}
