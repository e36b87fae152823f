import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/gateway.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { startReplicas, stopReplicas } from '../../helpers/replicas.js';
import type { ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** The remote server's maxConcurrentRequests: its total over every replica. */
const TOTAL = 4;
/** How long one call of the upstream's `slow` tool takes, ms. */
const SLOW_MS = 120;

/** Calls of `slow` in flight at the upstream now, and the most there ever were at once. */
const load = { now: 0, most: 0 };

/** An MCP server (one per upstream session) whose `slow` tool counts the calls in flight across all sessions. */
function slowServer(): McpServer {
  const server = new McpServer({ name: 'slow-upstream', version: '1.0.0' });
  server.registerTool('slow', {}, async () => {
    load.now++;
    load.most = Math.max(load.most, load.now);
    await sleep(SLOW_MS);
    load.now--;
    return { content: [{ type: 'text', text: 'done' }] };
  });
  return server;
}

async function connect(replica: ServeProcess): Promise<Client> {
  const client = new Client({ name: 'gate-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${replica.url}/mcp/gated`)));
  return client;
}

/** `calls` calls of `slow` at once, spread over `clients`; the most the upstream saw in flight meanwhile. */
async function burst(clients: readonly Client[], calls: number): Promise<number> {
  load.most = 0;
  const results = await Promise.all(Array.from({ length: calls }, (_, i) => clients[i % clients.length]!.callTool({ name: 'slow', arguments: {} })));
  expect(results.every((r) => !r.isError)).toBe(true);
  return load.most;
}

// A remote MCP server's maxConcurrentRequests is its total over all replicas sharing one Redis (issue 16: "the
// per-server request gate for remote MCP members is shared"), not a per-process figure multiplied by their number.
describe.skipIf(skipWithoutRedis)('one request gate for a remote MCP server across gateway processes on one Redis', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestRedis;
  let upstream: RemoteMcpUpstream;
  let replicas: ServeProcess[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startRemoteMcpUpstream(1, 0, { server: slowServer });
    const r = Registry.open(db);
    r.mcpServers.create({ name: 'gated', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, maxConcurrentRequests: TOTAL } }, 'cli');
    r.close();
    replicas = await startReplicas(db, 3, redis.url);
  }, 90_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    await upstream?.close();
    await redis?.close();
    cleanup();
  });

  it(`keeps ${TOTAL} in flight at most over three replicas, and gives a leaving replica's share to those that stay`, async () => {
    // Two sessions on every replica, 36 calls at once: each replica alone would admit TOTAL.
    const clients = await Promise.all([...replicas, ...replicas].map(connect));
    // Every gateway counts three sharing its Redis, and `agate status` says so for each.
    const counted = (n: number) => async () => [...(await runCli(['status'], db)).stdout.matchAll(new RegExp(`^ {2}replicas {8}${n} sharing it`, 'gm'))].length;
    await waitFor(async () => (await counted(3)()) === 3 || undefined, 'agate status to show three replicas on each gateway', 10_000);
    await burst(clients, clients.length);
    expect(await burst(clients, 36)).toBeLessThanOrEqual(TOTAL);

    // One replica leaves: the two left keep the total, and between them use more of it than one share each.
    const [leaving, ...staying] = replicas;
    await leaving!.stop();
    replicas = staying;
    const left = clients.filter((_, i) => i % 3 !== 0);
    const most = await waitFor(async () => {
      const seen = await burst(left, 24);
      expect(seen).toBeLessThanOrEqual(TOTAL);
      return seen > 2 ? seen : undefined;
    }, 'the two replicas left to share the total between them', 15_000);
    expect(most).toBeLessThanOrEqual(TOTAL);
    // Status reads each gateway's instance row, written on its own beat: it catches up within a few seconds.
    await waitFor(async () => (await counted(2)()) === 2 || undefined, 'agate status to show two replicas on each gateway left', 10_000);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }, 60_000);
});
