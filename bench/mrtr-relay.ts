/**
 * `npm run bench -- mrtr-relay`: what it costs to continue a 2026-07-28 multi round-trip request (MRTR) on another
 * replica than the one holding it, against continuing it where it waits, in the same run. Two gateways in this
 * process on one registry and one private redis-server; a hosted tool that asks the client one question
 * (elicitation) and answers with what it was told. Each round: a first tools/call on replica A (→ input_required),
 * its retry on A (local); another first call on A, its retry on B (handed to A over Redis pub/sub and answered on
 * B). The retries are timed, interleaved so drift hits both alike; p50, p95, the added p50 and the ratio.
 * Env: MRTR_RELAY_BENCH_ROUNDS (default 1000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { Pool } from 'undici';
import { z } from 'zod';
import { startGateway, type RunningGateway } from '../server/index.js';
import type { HostedServerDefinition } from '../servers/index.js';
import { startRedis } from './cluster-fleet.js';
import { summarize } from './stats.js';

const ROUNDS = Number(process.env.MRTR_RELAY_BENCH_ROUNDS ?? 1000);

/** A hosted server whose one tool asks the client its name and answers with it. */
const askDefinition: HostedServerDefinition = Object.freeze({
  name: 'bench-ask',
  title: 'Benchmark asker',
  version: '1.0.0',
  description: 'one tool that asks',
  settings: [],
  createServer: () => {
    const server = new McpServer({ name: 'bench-ask', version: '1.0.0' });
    server.registerTool('ask', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
      const form = { type: 'object' as const, properties: { name: { type: 'string' as const } }, required: ['name'] };
      const r = await extra.sendRequest({ method: 'elicitation/create', params: { message: `${who}?`, requestedSchema: form } }, ElicitResultSchema);
      return { content: [{ type: 'text' as const, text: String(r.content?.name) }] };
    });
    return server;
  },
});

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };

interface Replica {
  gw: RunningGateway;
  pool: Pool;
}

export async function run(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'agate-mrtr-relay-bench-'));
  const redis = await startRedis(dir);
  const replicas: Replica[] = [];
  try {
    const dbPath = join(dir, 'agate.db');
    for (let i = 0; i < 2; i++) {
      const gw = await startGateway({ dbPath, port: 0, adminPort: 0, redisUrl: redis.url, hostedServers: new Map([[askDefinition.name, askDefinition]]), log: pino({ level: 'warn' }) });
      replicas.push({ gw, pool: new Pool(gw.url, { connections: 4 }) });
    }
    const [a, b] = replicas as [Replica, Replica];
    a.gw.registry.consumers.store.create({ name: 'bench' }, 'cli');
    const key = a.gw.registry.consumers.issueKey('bench', 'cli').key;
    a.gw.registry.mcpServers.create({ name: 'ask', backend: { kind: 'hosted', server: askDefinition.name, settings: {}, secretSettings: {} } }, 'cli');
    for (const r of replicas) await served(r.gw, 'ask');
    const local: number[] = [];
    const relayed: number[] = [];
    for (let i = 0; i < 100; i++) for (const to of [a, b]) await round(a, to, key);
    for (let i = 0; i < ROUNDS; i++) {
      for (const to of i % 2 ? [a, b] : [b, a]) (to === a ? local : relayed).push(await round(a, to, key));
    }
    const l = summarize(local);
    const r = summarize(relayed);
    const added = Math.round((r.p50 - l.p50) * 1000) / 1000;
    process.stdout.write(`mrtr-relay bench: ${ROUNDS} retries each way, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}\n`);
    process.stdout.write(`retry on the holder  p50 ${l.p50.toFixed(3)} ms p95 ${l.p95.toFixed(3)} ms\n`);
    process.stdout.write(`retry handed over    p50 ${r.p50.toFixed(3)} ms p95 ${r.p95.toFixed(3)} ms | added p50 ${added.toFixed(3)} ms | ratio ${(r.p50 / l.p50).toFixed(2)}x\n`);
    return { rounds: ROUNDS, cores: cpus().length, load1: loadavg()[0], local: l, relayed: r, addedP50Ms: added, ratioP50: r.p50 / l.p50 };
  } finally {
    for (const r of replicas) {
      await r.pool.close();
      await r.gw.close();
    }
    redis.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A first call on `first`, then its retry on `retry`: the retry's time, ms. */
async function round(first: Replica, retry: Replica, key: string): Promise<number> {
  const asked = (await post(first, key, { name: 'ask', arguments: { who: 'x' }, _meta: META }, 1)).result as { requestState: string; inputRequests: Record<string, unknown> };
  const [inputKey] = Object.keys(asked.inputRequests);
  const params = { name: 'ask', arguments: { who: 'x' }, inputResponses: { [inputKey!]: { action: 'accept', content: { name: 'n' } } }, requestState: asked.requestState, _meta: META };
  const t0 = performance.now();
  const done = await post(retry, key, params, 2);
  const took = performance.now() - t0;
  if ((done.result as { resultType?: string } | undefined)?.resultType !== 'complete') throw new Error(`retry not answered: ${JSON.stringify(done)}`);
  return took;
}

async function post(r: Replica, key: string, params: Record<string, unknown>, id: number): Promise<{ result?: unknown }> {
  const res = await r.pool.request({
    path: '/mcp/ask',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'ask', 'x-api-key': key },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
  });
  return (await res.body.json()) as { result?: unknown };
}

async function served(gw: RunningGateway, name: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !gw.snapshots.current()?.mcp.servers.get(name); ) {
    if (Date.now() > deadline) throw new Error(`${name} not served`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
