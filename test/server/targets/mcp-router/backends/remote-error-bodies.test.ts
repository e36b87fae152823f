// A remote MCP server that fails badly: its 500 body (stack traces, paths) is logged, never shown to the client,
// and an answer whose header is too large fails that one call while the session keeps working. Both upstream
// transports: Streamable HTTP and the legacy HTTP+SSE (protocol 2024-11-05).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';

const STACK = 'Error: db password rejected\n    at query (/srv/billing/app/db.js:42:7)\n    at /srv/billing/app/handler.js:9:3';

type Upstream = { server: Server; url: string; /** Legacy SSE only: forgets every session, its streams left open. */ forget?: () => void };

/** How the raw upstreams answer a request: the result, or a misbehaviour of the named tool. */
function answer(msg: { id: unknown; method: string; params?: { name?: string } }, version: string): { status: number; body?: string; result?: unknown; headers?: Record<string, string> } {
  if (msg.method === 'initialize') return { status: 200, result: { protocolVersion: version, capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } } };
  if (msg.method === 'tools/list') return { status: 200, result: { tools: ['boom', 'fat', 'ok'].map((name) => ({ name, inputSchema: { type: 'object' } })) } };
  const tool = msg.params?.name;
  if (tool === 'boom') return { status: 500, body: STACK };
  const headers: Record<string, string> = tool === 'fat' ? { 'x-padding': 'p'.repeat(128 * 1024) } : {};
  return { status: 200, result: { content: [{ type: 'text', text: tool === 'fat' ? 'fat' : 'fine' }] }, headers };
}

function readJson(req: IncomingMessage, then: (msg: any) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
}

function listen(server: Server, path: string): Promise<Upstream> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}` })));
}

/** A minimal raw Streamable HTTP MCP server (JSON answers) whose tools misbehave on purpose. */
function startRawUpstream(): Promise<Upstream> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
    readJson(req, (msg) => {
      if (msg.id === undefined) return void res.writeHead(202).end();
      const a = answer(msg, '2025-06-18');
      if (a.status !== 200) return void res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body);
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'up-1', ...a.headers });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: a.result }));
    });
  });
  return listen(server, '/mcp');
}

/**
 * A minimal raw legacy HTTP+SSE MCP server (2024-11-05 transport): GET /sse opens the event stream and names the
 * POST endpoint in an `endpoint` event; each POST is accepted with 202 and answered on the stream. The same
 * misbehaving tools: `boom` gets its POST answered 500 with a stack trace, `fat` a 202 with a 128 KiB header (and
 * no answer on the stream: the broken POST answer alone must fail the call, not the request timeout).
 */
async function startRawSseUpstream(): Promise<Upstream> {
  const streams = new Map<string, ServerResponse>();
  let sessions = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const id = String(++sessions);
      streams.set(id, res);
      req.on('close', () => streams.delete(id));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      return void res.write(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`);
    }
    const stream = streams.get(url.searchParams.get('sessionId') ?? '');
    if (req.method !== 'POST' || url.pathname !== '/messages' || !stream) return void res.writeHead(404).end();
    readJson(req, (msg) => {
      if (msg.id === undefined) return void res.writeHead(202).end('Accepted');
      const a = answer(msg, '2024-11-05');
      if (a.status !== 200) return void res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body);
      res.writeHead(202, a.headers).end('Accepted');
      if (msg.params?.name !== 'fat') stream.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: a.result })}\n\n`);
    });
  });
  const up = await listen(server, '/sse');
  return { ...up, forget: () => streams.clear() };
}

const transports = [
  { transport: 'streamable-http' as const, start: startRawUpstream },
  { transport: 'sse' as const, start: startRawSseUpstream },
];

describe.each(transports)('remote MCP server failures reach the client as catalogue errors only ($transport)', ({ transport, start }) => {
  let gw: TestGateway;
  let upstream: Upstream;
  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await start();
    await addMcpServer(gw, { name: 'billing', backend: { kind: 'remote', url: upstream.url, transport, headers: {} } });
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

describe('a legacy HTTP+SSE upstream that forgot the session', () => {
  let gw: TestGateway;
  let upstream: Upstream;
  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startRawSseUpstream();
    await addMcpServer(gw, { name: 'billing', backend: { kind: 'remote', url: upstream.url, transport: 'sse', headers: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
    upstream?.server.closeAllConnections();
    upstream?.server.close();
  });

  it('a 404 to a POST still opens a new session and resends the call, unseen by the client', async () => {
    const client = await connectMcp(gw, 'billing');
    expect((await client.callTool({ name: 'ok', arguments: {} })).content).toEqual([{ type: 'text', text: 'fine' }]);
    upstream.forget!();
    expect((await client.callTool({ name: 'ok', arguments: {} })).content).toEqual([{ type: 'text', text: 'fine' }]);
    await client.close();
  });
});
