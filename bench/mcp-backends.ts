/**
 * MCP backends benchmark (`npm run bench -- mcp-backends`): the echo server (bench/mcp-echo-server.ts) as
 * agate's **stdio** backend (bench/mcp-stdio-echo.ts, spawned and supervised by agate) and as its **remote
 * Streamable HTTP** backend (SDK-built, on 127.0.0.1 in its own process), each against the same server reached
 * directly. Every path is driven by the SDK Client, so client-side cost is alike and only the hop differs.
 * Per backend, direct and via-agate run interleaved in rotating rounds, 1 and C calls in flight: added p50/p99
 * and throughput ratio; then the gateway's CPU time per call (robust to a loaded machine).
 * Targets (design §7): added p50 ≤ 1 ms, ≥ 0.7× direct throughput.
 * Env: MCPB_BENCH_CONC (32), MCPB_BENCH_SESSIONS (C: SDK clients per HTTP target, used in turn),
 * MCPB_BENCH_SECONDS (6 per target and width), MCPB_BENCH_ROUNDS (6),
 * MCPB_BENCH_BACKENDS (stdio,streamable-http: which pairs run; one alone keeps a --cpu-prof profile clean).
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
        const table = { ...rows, agate: { ...rows.agate!, ...overhead(rows.agate!, rows.direct!) } };
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
    await gw.stop();
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  figures.loadavgAfter = loads();
  console.log(`\nload average before ${String(figures.loadavgBefore)}, after ${String(figures.loadavgAfter)}`);
  return figures;
}
