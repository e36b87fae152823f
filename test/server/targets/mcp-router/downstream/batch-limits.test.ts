// JSON-RPC batches on 2025-03-26 sessions: bounded in size, and every call in one counts against the limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { fixtureServer } from '../../../../helpers/mcp-fixture-server.js';
import { addMcpServer, rawInitialize, rawPost, rpcMessages } from '../../../../helpers/mcp.js';

describe('MCP batches', () => {
  let gw: TestGateway;
  let url: string;
  let limitedUrl: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]), mcp: { maxBatchSize: 10 } } });
    await addMcpServer(gw, { name: 'open', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
    await addMcpServer(gw, { name: 'limited', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} }, rateLimit: { perTool: { requests: 3, windowSeconds: 60 } } });
    url = `${gw.url}/mcp/open`;
    limitedUrl = `${gw.url}/mcp/limited`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const calls = (n: number) => Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'echo', arguments: { text: `m${i}` } } }));
  const session = async (endpoint: string) => ({ 'mcp-session-id': (await rawInitialize(endpoint, '2025-03-26')).sessionId, 'mcp-protocol-version': '2025-03-26' });

  it('refuses a batch larger than the limit with 400 naming the limit, and runs none of it', async () => {
    const headers = await session(url);
    const before = gw.logs.length;
    const res = await rawPost(url, calls(11), headers);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, data: { code: 'GW_ERR_MCP_BATCH_TOO_LARGE' } } });
    expect(body.error.message).toContain('10');
    expect(body.error.message).toContain('11');
    expect(gw.logs.slice(before).filter((l) => l.tool === 'echo')).toHaveLength(0);
    // A batch at the limit is served whole.
    const ok = await rpcMessages(await rawPost(url, calls(10), headers));
    expect(ok.map((m) => m.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ok.every((m) => m.result !== undefined)).toBe(true);
  });

  it('counts every call in a batch against the rate limit', async () => {
    const headers = await session(limitedUrl);
    const answers = await rpcMessages(await rawPost(limitedUrl, calls(5), headers));
    expect(answers).toHaveLength(5);
    const served = answers.filter((m) => m.result !== undefined && !m.result.isError);
    const limited = answers.filter((m) => m.error?.data?.code === 'GW_ERR_RATE_LIMITED' || JSON.stringify(m).includes('GW_ERR_RATE_LIMITED'));
    expect(served).toHaveLength(3);
    expect(limited).toHaveLength(2);
  });
});
