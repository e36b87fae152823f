/**
 * Gateway CPU per tools/call (`npm run bench -- mcp-cost`), the figure that moves when the router's own work
 * changes, measured where little else is busy: 16 sessions call `echo` back to back through agate, on a remote
 * backend that is the cheapest MCP server there is (bench/mcp-minimal-upstream-child.ts: node:http and one JSON
 * answer) and on the SDK echo server hosted in process. Each path runs MCP_COST_ROUNDS rounds of MCP_COST_CALLS
 * calls after a warm-up; the gateway's user + system CPU time per call is reported per round and as the median,
 * with the minimal server's own CPU per call as the baseline of the same run: one HTTP exchange and a JSON parse,
 * which the gateway does twice (client side and upstream side) on the remote path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { Registry } from '../registry/index.js';
import { cpuPerCall } from './compare.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { startChild, type Child } from './mcp.js';
import { percentile } from './stats.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const WIDTH = 16;

async function cpuUs(child: Child): Promise<number> {
  const { user, system } = await child.ask<NodeJS.CpuUsage>('cpu');
  return user + system;
}

export async function run(): Promise<unknown> {
  const rounds = env('MCP_COST_ROUNDS', 3);
  const calls = env('MCP_COST_CALLS', 15_000);
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-mcp-cost-'));
  const upstream = await startChild('./mcp-minimal-upstream-child.js');
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  reg.mcpServers.create({ name: 'minimal-remote', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, secretHeaders: {} }, enabled: true }, 'cli');
  reg.mcpServers.create({ name: 'echo-hosted', backend: { kind: 'hosted', server: 'bench-echo', settings: {}, secretSettings: {} }, enabled: true }, 'cli');
  reg.close();
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const agent = new Agent({ connections: 64 });
  const figures: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), calls, rounds, width: WIDTH };
  try {
    for (const [path, name] of [['remote (minimal server)', 'minimal-remote'], ['hosted (SDK echo)', 'echo-hosted']] as const) {
      const sessions = await Promise.all(
        Array.from({ length: WIDTH }, async () => {
          const s = new RawMcpSession(`${gw.url}/mcp/${name}`, agent);
          await s.initialize();
          return s;
        }),
      );
      let n = 0;
      const call = async () => void (await sessions[n++ % WIDTH]!.echo(`c${n}`));
      const gateway: number[] = [];
      const minimal: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const upBefore = await cpuUs(upstream);
        gateway.push(await cpuPerCall(call, { calls, width: WIDTH }, () => cpuUs(gw)));
        minimal.push(((await cpuUs(upstream)) - upBefore) / (calls + 200));
      }
      await Promise.all(sessions.map((s) => s.close()));
      const row: Record<string, unknown> = { gatewayUsPerCall: Math.round(percentile(gateway, 50)), rounds: gateway.map(Math.round).join(' / ') };
      if (name === 'minimal-remote') {
        row.minimalServerUsPerCall = Math.round(percentile(minimal, 50));
        row.gatewayToServer = Math.round((percentile(gateway, 50) / percentile(minimal, 50)) * 100) / 100;
      }
      figures[path] = row;
    }
    console.log(`\nGateway CPU per tools/call, ${WIDTH} sessions, ${rounds} rounds of ${calls} calls (median; rounds)`);
    console.table(Object.fromEntries(Object.entries(figures).filter(([, v]) => typeof v === 'object')));
    return figures;
  } finally {
    await agent.close();
    await gw.stop();
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
