// A remote MCP server that fails badly: its 500 body (stack traces, paths) is logged, never shown to the client,
// and an answer whose header is too large fails that one call while the session keeps working.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';

const STACK = 'Error: db password rejected\n    at query (/srv/billing/app/db.js:42:7)\n    at /srv/billing/app/handler.js:9:3';

/** A minimal raw Streamable HTTP MCP server (JSON answers) whose tools misbehave on purpose. */
function startRawUpstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const json = (result: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'up-1', ...headers });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      };
      if (msg.id === undefined) return void res.writeHead(202).end();
      if (msg.method === 'initialize') return json({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } });
      if (msg.method === 'tools/list') return json({ tools: ['boom', 'fat', 'ok'].map((name) => ({ name, inputSchema: { type: 'object' } })) });
      const tool = msg.params?.name;
      if (tool === 'boom') return void res.writeHead(500, { 'content-type': 'text/plain' }).end(STACK);
      if (tool === 'fat') return json({ content: [{ type: 'text', text: 'fat' }] }, { 'x-padding': 'p'.repeat(128 * 1024) });
      return json({ content: [{ type: 'text', text: 'fine' }] });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` })));
}

describe('remote MCP server failures reach the client as catalogue errors only', () => {
  let gw: TestGateway;
  let upstream: { server: Server; url: string };
  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startRawUpstream();
    await addMcpServer(gw, { name: 'billing', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
    upstream?.server.closeAllConnections();
    upstream?.server.close();
  });

  it('a 500 body is logged, and the client sees the server name and status only', async () => {
    const client = await connectMcp(gw, 'billing');
    const err = await client.callTool({ name: 'boom', arguments: {} }).then(() => undefined, (e: Error) => e);
    expect(err).toBeDefined();
    expect(err!.message).toContain('billing');
    expect(err!.message).toContain('500');
    expect(err!.message).not.toMatch(/db password|\/srv\/|handler\.js/);
    expect(JSON.stringify(gw.logs)).toContain('/srv/billing/app/db.js');
    expect((await client.callTool({ name: 'ok', arguments: {} })).content).toEqual([{ type: 'text', text: 'fine' }]);
    await client.close();
  });

  it('an oversized answer header fails that call cleanly; the next call on the same session works', async () => {
    const client = await connectMcp(gw, 'billing');
    const err = await client.callTool({ name: 'fat', arguments: {} }).then(() => undefined, (e: Error) => e);
    expect(err).toBeDefined();
    expect(err!.message).toContain('billing');
    for (let i = 0; i < 3; i++) expect((await client.callTool({ name: 'ok', arguments: {} })).content).toEqual([{ type: 'text', text: 'fine' }]);
    await client.close();
    const other = await connectMcp(gw, 'billing');
    expect((await other.callTool({ name: 'ok', arguments: {} })).content).toEqual([{ type: 'text', text: 'fine' }]);
    await other.close();
  });
});
