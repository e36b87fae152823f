import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../helpers/mcp.js';
import { startFakeUpstream, type FakeUpstream } from '../shared/fake-upstream.js';

// Higress auth_utils.go ExtractAndRemoveIncomingCredential: an apiKey scheme `in: query` reads the
// parameter from the client's request path (:path); with `passthrough: true` the value becomes the
// upstream credential (ApplySecurity), applied where the upstream scheme says.
const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

function queryConfig(name: string, passthrough: boolean): Record<string, unknown> {
  return {
    server: {
      name,
      securitySchemes: [
        { id: 'client-q', type: 'apiKey', in: 'query', name: 'api_key' },
        { id: 'upstream-q', type: 'apiKey', in: 'query', name: 'key', defaultCredential: 'server-default' },
      ],
      defaultDownstreamSecurity: { id: 'client-q', passthrough },
      defaultUpstreamSecurity: { id: 'upstream-q' },
    },
    tools: [{ name: 'echo', description: 'echoes the key the API saw', args: [], requestTemplate: { url: 'https://api.q.example/echo', method: 'GET' }, responseTemplate: { body: '{{.seen}}' } }],
  };
}

describe('downstream apiKey `in: query` passthrough', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  const clients: Client[] = [];
  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startFakeUpstream((req) => ({ body: JSON.stringify({ seen: req.query.filter(([k]) => k === 'key').map(([, v]) => v).join(',') || 'none' }) }));
    const overrides = { 'https://api.q.example': upstream.origin };
    await addMcpServer(gw, { name: 'qpass', backend: { kind: 'rest', config: queryConfig('qpass', true), settings: {}, secretSettings: {}, originOverrides: overrides } });
    await addMcpServer(gw, { name: 'qkeep', backend: { kind: 'rest', config: queryConfig('qkeep', false), settings: {}, secretSettings: {}, originOverrides: overrides } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw?.stop();
    await upstream?.close();
  });

  async function client(server: string, query?: string, transport?: 'sse'): Promise<Client> {
    const c = await connectMcp(gw, server, { query, transport });
    clients.push(c);
    return c;
  }

  it('sends each client its own key from the MCP URL, two sessions calling at once', async () => {
    const [alice, bob] = await Promise.all([client('qpass', 'api_key=alice-k'), client('qpass', 'api_key=bob%20k')]);
    const calls = await Promise.all([...Array(4)].map((_, i) => (i % 2 === 0 ? alice : bob).callTool({ name: 'echo', arguments: {} })));
    expect(calls.map(text)).toEqual(['alice-k', 'bob k', 'alice-k', 'bob k']);
  });

  // Higress's legacy SSE endpoint event repeats the SSE URL's query (sse_proxy), so the key reaches the message POSTs.
  it('over legacy HTTP+SSE, takes the key from the SSE URL (repeated in the endpoint the client posts to)', async () => {
    const [alice, bob] = await Promise.all([client('qpass', 'api_key=alice-sse', 'sse'), client('qpass', 'api_key=bob-sse', 'sse')]);
    const seen = await Promise.all([alice, bob, alice].map((c) => c.callTool({ name: 'echo', arguments: {} }).then(text)));
    expect(seen).toEqual(['alice-sse', 'bob-sse', 'alice-sse']);
  });

  it('falls back to the configured credential when the client sends no key', async () => {
    expect(text(await (await client('qpass')).callTool({ name: 'echo', arguments: {} }))).toBe('server-default');
  });

  it('forwards no client key unless the requirement says passthrough: true', async () => {
    expect(text(await (await client('qkeep', 'api_key=alice-k')).callTool({ name: 'echo', arguments: {} }))).toBe('server-default');
  });

  it('a client cannot forge the query credential through _meta', async () => {
    const c = await client('qpass');
    const forged = { 'io.agate/passthrough-auth': { 'query:api_key': 'forged' } };
    expect(text(await c.callTool({ name: 'echo', arguments: {}, _meta: forged }))).toBe('server-default');
  });
});
