/**
 * MCP 2026-07-28 benchmark (`npm run bench -- mcp-2026`, issue #15): `tools/call` of an echo tool, raw HTTP clients
 * (bench/mcp-raw-client.ts for 2025, bench/mcp-modern-raw-client.ts for 2026), upstreams in their own processes:
 * a 2026-only member (v2 SDK, legacy rejected: bench/mcp-modern-member-child.ts) and a 2025 member (v1 SDK:
 * bench/mcp-upstream-child.ts), both remote members of one gateway (bench/mcp-gateway-child.ts).
 * - pass-through: a 2026 client through agate to the 2026 member, against the member called directly
 *   (goal: added p50 ≤ 0.5 ms, ≥ 0.85× throughput; no session lookup on this path);
 * - each bridge against the same-era path through agate: a 2025 client to the 2026 member against a 2025 client
 *   to the 2025 member; a 2026 client to the 2025 member against a 2026 client to the 2026 member.
 * All paths run interleaved in rotating rounds (bench/compare.ts), at 1 and C calls in flight. Requests through agate
 * carry a consumer's API key, as a team's agents do: a named consumer's 2026 requests reuse the member sessions agate
 * keeps for it (anonymous 2026 requests cannot be told apart, so each opens its own).
 * Env: MCP26_BENCH_CONC (16: calls in flight, and 2025 sessions per path), MCP26_BENCH_SECONDS (6 per path and
 * width), MCP26_BENCH_ROUNDS (6), MCP26_BENCH_OTHER_ROOT (a checkout with dist/ built: its gateway runs the 2026
 * pass-through as one more path, on a registry of its own with the same members and key, for an A/B in one run).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { Registry } from '../registry/index.js';
import { assertNoErrors, loadInterleaved, overhead, type Call } from './compare.js';
import { startChild } from './mcp.js';
import { RawModernClient } from './mcp-modern-raw-client.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { printTargets, type TargetCheck } from './targets.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const loads = () => loadavg().map((n) => Math.round(n * 100) / 100);

/** The paths, named client → member. */
const PATHS = {
  modernDirect: '2026 client → 2026 member, direct',
  modernPassThrough: '2026 client → agate → 2026 member',
  legacyToModern: '2025 client → agate → 2026 member (bridged)',
  legacySameEra: '2025 client → agate → 2025 member',
  modernToLegacy: '2026 client → agate → 2025 member (bridged)',
} as const;

/** Retries `call` until it succeeds (the gateway learns the 2026 member's era by its probe) or 30 s pass. */
async function warm(name: string, call: Call): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${name}: not answering after 30 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Runs every path, prints the tables and the targets, returns the figures. */
export async function run(): Promise<unknown> {
  const conc = env('MCP26_BENCH_CONC', 16);
  const seconds = env('MCP26_BENCH_SECONDS', 6);
  const rounds = env('MCP26_BENCH_ROUNDS', 6);
  const figures: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), conc, seconds, rounds, loadavgBefore: loads() };
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-mcp26-'));
  const modern = await startChild('./mcp-modern-member-child.js');
  const legacy = await startChild('./mcp-upstream-child.js');
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  for (const [name, url] of [['echo-modern', modern.url], ['echo-legacy', legacy.url]] as const) {
    reg.mcpServers.create({ name, backend: { kind: 'remote', url, transport: 'streamable-http', headers: {}, secretHeaders: {} }, enabled: true }, 'cli');
  }
  reg.consumers.store.create({ name: 'bench' }, 'cli');
  const key = { 'x-api-key': reg.consumers.issueKey('bench', 'cli').key };
  reg.close();
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const otherRoot = process.env.MCP26_BENCH_OTHER_ROOT;
  const other = otherRoot ? await startChild(join(otherRoot, 'dist', 'bench', 'mcp-gateway-child.js'), [copyRegistry(dbPath, tmp)]) : undefined;
  const agent = new Agent({ connections: conc * 4 + 10, keepAliveTimeout: 60_000 });
  const sessions: RawMcpSession[] = [];
  try {
    const modernClient = (url: string): Call => {
      const client = new RawModernClient(url, agent, url.startsWith(modern.url) ? {} : key);
      let n = 0;
      return () => client.echo(`m${n++}`);
    };
    const legacySessions = async (url: string): Promise<Call> => {
      const opened: RawMcpSession[] = [];
      for (let i = 0; i < conc; i++) {
        const s = new RawMcpSession(url, agent, key);
        await warm(url, () => s.initialize());
        opened.push(s);
      }
      sessions.push(...opened);
      let n = 0;
      return async () => void (await opened[n++ % opened.length]!.echo(`l${n}`));
    };
    const targets: Record<string, Call> = {
      [PATHS.modernDirect]: modernClient(modern.url),
      [PATHS.modernPassThrough]: modernClient(`${gw.url}/mcp/echo-modern`),
      [PATHS.modernToLegacy]: modernClient(`${gw.url}/mcp/echo-legacy`),
    };
    if (other) targets[`${PATHS.modernPassThrough} (${otherRoot})`] = modernClient(`${other.url}/mcp/echo-modern`);
    for (const [name, call] of Object.entries(targets)) await warm(name, call);
    targets[PATHS.legacyToModern] = await legacySessions(`${gw.url}/mcp/echo-modern`);
    targets[PATHS.legacySameEra] = await legacySessions(`${gw.url}/mcp/echo-legacy`);
    for (const [name, call] of Object.entries(targets)) await warm(name, call);
    for (const width of [1, conc]) {
      const rows = await loadInterleaved(targets, { width, seconds, rounds });
      assertNoErrors(rows, `width ${width}`);
      const compared = {
        'pass-through vs direct': overhead(rows[PATHS.modernPassThrough]!, rows[PATHS.modernDirect]!),
        '2025 → 2026 bridge vs 2025 same era': overhead(rows[PATHS.legacyToModern]!, rows[PATHS.legacySameEra]!),
        '2026 → 2025 bridge vs 2026 pass-through': overhead(rows[PATHS.modernToLegacy]!, rows[PATHS.modernPassThrough]!),
      };
      console.log(`\necho tools/call, ${width} in flight, ${seconds} s per path in ${rounds} interleaved rounds (raw HTTP clients)`);
      console.table(rows);
      console.table(compared);
      figures[`width${width}`] = { rows, compared };
    }
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
    await agent.close();
    await gw.stop();
    await other?.stop();
    await Promise.all([modern.stop(), legacy.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  }
  figures.loadavgAfter = loads();
  figures.targets = printTargets('mcp-2026', passThroughTargets(figures, conc));
  console.log(`\nload average before ${String(figures.loadavgBefore)}, after ${String(figures.loadavgAfter)}`);
  return figures;
}

/** A copy of the registry file for a second gateway (the same members, consumer and key; its own file). */
function copyRegistry(dbPath: string, dir: string): string {
  const copy = join(dir, 'other.db');
  copyFileSync(dbPath, copy);
  return copy;
}

/** Issue #15's goals for the 2026 pass-through. */
function passThroughTargets(figures: Record<string, unknown>, conc: number): TargetCheck[] {
  type Width = { compared: Record<string, { addedP50Ms: number; throughputRatio: number }> };
  const at = (w: number) => (figures[`width${w}`] as Width | undefined)?.compared['pass-through vs direct'];
  return [
    { name: '2026 pass-through added p50, 1 in flight', goal: '≤ 0.5 ms', value: at(1)?.addedP50Ms, unit: ' ms', ok: (v) => v <= 0.5 },
    { name: '2026 pass-through vs direct, 1 in flight', goal: '≥ 0.85×', value: at(1)?.throughputRatio, unit: '×', ok: (v) => v >= 0.85 },
    { name: `2026 pass-through vs direct, ${conc} in flight`, goal: '≥ 0.85×', value: at(conc)?.throughputRatio, unit: '×', ok: (v) => v >= 0.85 },
  ];
}
