/**
 * REST-to-MCP benchmark (`npm run bench -- rest-to-mcp`). A search-API-shaped REST upstream runs on 127.0.0.1
 * in its own process, agate in another (bench/mcp-gateway-child.ts) serving a one-tool REST-to-MCP config whose
 * tool GETs that upstream (through an origin override) and renders a Markdown list from its JSON.
 * (a) tools/call through agate vs the same GET sent straight to the upstream with undici, both interleaved in
 *     rotating rounds: added p50/p99 and throughput ratio, sequential (1 in flight) and with C in flight.
 *     Also the gateway's CPU time per call, which a loaded machine distorts far less than latency.
 * (b) Render time of the corpus's longest response templates, parsed once and rendered over representative
 *     JSON (skipped when the corpus directory is absent).
 * Env: REST_BENCH_CONC (32), REST_BENCH_SECONDS (6 per target and width), REST_BENCH_ROUNDS (6),
 * REST_BENCH_TEMPLATES (5), REST_BENCH_RENDERS (2000), REST_BENCH_ITEMS (10), REST_BENCH_CORPUS (dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { Registry } from '../registry/index.js';
import { assertNoErrors, cpuPerCall, loadInterleaved, overhead, type Call } from './compare.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { startChild } from './mcp.js';
import { corpusDir, templateRenderTimes } from './rest-template-render.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** The canonical origin in the config; the registry's origin override sends it to the loopback upstream. */
const API = 'https://api.search.bench.example';
const QUERY = { q: 'agate gateway', count: 10 };

/** One GET tool with the corpus's Brave Search response template (mcp-bravesearch.yaml). */
const CONFIG = {
  server: { name: 'bench-search' },
  tools: [
    {
      name: 'search',
      description: 'Web search (benchmark fixture)',
      args: [
        { name: 'q', description: 'query', type: 'string', required: true },
        { name: 'count', description: 'results', type: 'integer', required: false, default: 10 },
      ],
      requestTemplate: { url: `${API}/res/v1/web/search`, method: 'GET', argsToUrlParam: true, headers: [{ key: 'Accept', value: 'application/json' }] },
      responseTemplate: {
        body: [
          '{{- range $index, $item := .web.results }}',
          '## 结果 {{add $index 1}}',
          '- **标题**: {{ $item.title }}',
          '- **描述**: {{ $item.description }}',
          '- **URL**: {{ $item.url }}',
          '{{- end }}',
        ].join('\n'),
      },
    },
  ],
};

/** Runs (a) and (b), prints tables and returns the figures. */
export async function run(): Promise<unknown> {
  const conc = env('REST_BENCH_CONC', 32);
  const seconds = env('REST_BENCH_SECONDS', 6);
  const rounds = env('REST_BENCH_ROUNDS', 6);
  const figures: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), loadavgBefore: loadavg().map((n) => Math.round(n * 100) / 100) };
  figures.a = await partA(conc, seconds, rounds);
  figures.b = partB();
  figures.loadavgAfter = loadavg().map((n) => Math.round(n * 100) / 100);
  console.log(`\nload average before ${String(figures.loadavgBefore)}, after ${String(figures.loadavgAfter)}`);
  return figures;
}

async function partA(conc: number, seconds: number, rounds: number) {
  const tmp = mkdtempSync(join(tmpdir(), 'agate-bench-rest-'));
  const upstream = await startChild('./rest-upstream-child.js');
  const dbPath = join(tmp, 'agate.db');
  const reg = Registry.open(dbPath);
  const backend = { kind: 'rest' as const, config: CONFIG, settings: {}, secretSettings: {}, originOverrides: { [API]: upstream.url } };
  reg.mcpServers.create({ name: 'bench-rest', backend, enabled: true }, 'cli');
  reg.close();
  const gw = await startChild('./mcp-gateway-child.js', [dbPath]);
  const agent = new Agent({ connections: conc * 2 + 10, keepAliveTimeout: 60_000 });
  try {
    // One session per in-flight call, as separate MCP clients would have; used round robin.
    const sessions = Array.from({ length: conc }, () => new RawMcpSession(`${gw.url}/mcp/bench-rest`, agent));
    await Promise.all(sessions.map((s) => s.initialize()));
    const sample = await sessions[0]!.callTool('search', QUERY);
    if (!sample.includes('## 结果 10') || !sample.includes('agate-gateway')) throw new Error(`unexpected tool text: ${sample.slice(0, 300)}`);
    let next = 0;
    const directUrl = `${upstream.url}/res/v1/web/search?${new URLSearchParams({ q: QUERY.q, count: String(QUERY.count) })}`;
    const targets: Record<string, Call> = {
      direct: async () => {
        const res = await request(directUrl, { dispatcher: agent, headers: { accept: 'application/json' } });
        const text = await res.body.text();
        if (res.statusCode !== 200 || text.length < 1000) throw new Error(`direct: HTTP ${res.statusCode}`);
      },
      agate: async () => {
        const text = await sessions[next++ % sessions.length]!.callTool('search', QUERY);
        if (!text.includes('## 结果 10')) throw new Error(`agate: unexpected text ${text.slice(0, 200)}`);
      },
    };
    const out: Record<string, unknown> = { conc, seconds, rounds, renderedChars: sample.length };
    for (const width of [1, conc]) {
      const rows = await loadInterleaved(targets, { width, seconds, rounds });
      assertNoErrors(rows, `(a) width ${width}`);
      const table = { ...rows, agate: { ...rows.agate!, ...overhead(rows.agate!, rows.direct!) } };
      console.log(`\n(a) REST GET via a REST-to-MCP tools/call vs direct undici GET, ${width} in flight, ${seconds} s per target in ${rounds} interleaved rounds`);
      console.table(table);
      out[`width${width}`] = table;
    }
    const gatewayCpu = async () => {
      const c = await gw.ask<{ user: number; system: number }>('cpu');
      return c.user + c.system;
    };
    out.gatewayCpuUsPerCall = Math.round(await cpuPerCall(targets.agate!, { calls: 3000, width: 8 }, gatewayCpu));
    console.log(`\ngateway CPU per REST-to-MCP tools/call (3000 calls, 8 in flight): ${String(out.gatewayCpuUsPerCall)} µs`);
    return out;
  } finally {
    await agent.close();
    await gw.stop();
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function partB() {
  const opts = { count: env('REST_BENCH_TEMPLATES', 5), renders: env('REST_BENCH_RENDERS', 2000), items: env('REST_BENCH_ITEMS', 10) };
  const rows = templateRenderTimes(opts);
  if (!rows) {
    console.log(`\n(b) skipped: no corpus at ${corpusDir()}`);
    return { skipped: `no corpus at ${corpusDir()}` };
  }
  console.log(`\n(b) ${opts.count} longest corpus response templates: parsed once, rendered ${opts.renders}× over JSON with ${opts.items}-element lists`);
  console.table(rows);
  return { ...opts, rows };
}
