import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../../../server/index.js';
import { hostedServers } from '../../../../../servers/index.js';
import { withClock } from '../../../../fixtures/clock-server.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../../../helpers/redis.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

// A new MCP session on a gateway whose session store (Redis, `--redis`) is down: the initialize cannot store the
// session, so it must be refused as the store's outage (503, Retry-After, its own code, the request's id), not
// as an internal error, and leave nothing behind: a client refused this way many times can open sessions once
// Redis is back, within its per-client cap.

const CAP = 2;

describe.skipIf(skipWithoutRedis)('initialize while the MCP session store is down', () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  const dir = tempDir('agate-store-outage-');

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startGateway({ dbPath: join(dir.dir, 'agate.db'), port: 0, host: '127.0.0.1', adminPort: 0, redisUrl: redis.url, hostedServers: withClock(hostedServers), mcp: { maxSessionsPerClient: CAP }, log: pino({ level: 'silent' }) });
    gw.registry.mcpServers.create({ name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } }, 'cli');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('time'), 'the time server served');
  }, 30_000);

  afterAll(async () => {
    await gw?.close();
    await redis?.close();
    dir.cleanup();
  });

  const initialize = (id: number) =>
    fetch(`${gw.url}/mcp/time`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });

  it('is refused (Streamable HTTP and HTTP+SSE) with 503 GW_ERR_MCP_SESSION_STORE_UNAVAILABLE and Retry-After, and holds nothing for the refused sessions', async () => {
    await redis.stop();
    try {
      for (let id = 1; id <= CAP + 3; id++) {
        const res = await initialize(id);
        const body = (await res.json()) as { id: unknown; error: { code: number; data: { code: string } } };
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(body.id).toBe(id);
        expect(body.error.data.code).toBe('GW_ERR_MCP_SESSION_STORE_UNAVAILABLE');
      }
      // The legacy HTTP+SSE transport's GET, which opens its session, the same.
      for (let i = 0; i < CAP + 1; i++) {
        const sse = await fetch(`${gw.url}/mcp/time/sse`, { headers: { accept: 'text/event-stream' } });
        expect(sse.status).toBe(503);
        expect(sse.headers.get('retry-after')).toBe('1');
        expect(JSON.stringify(await sse.json())).toContain('GW_ERR_MCP_SESSION_STORE_UNAVAILABLE');
      }
    } finally {
      await redis.restart();
    }
    // Once Redis is back (the gateway reconnects by itself), the same client opens as many sessions as its cap allows.
    await waitFor(async () => (await initialize(100)).status === 200, 'sessions to open again', 15_000);
    const clients = await Promise.all(
      Array.from({ length: CAP - 1 }, async () => {
        const client = new Client({ name: 'after', version: '1' });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/time`)));
        return client;
      }),
    );
    const result = await clients[0]!.callTool({ name: 'get_current_time', arguments: { timezone: 'Asia/Tokyo' } });
    expect(result.isError).toBeFalsy();
    await Promise.all(clients.map((c) => c.close()));
  });
});
