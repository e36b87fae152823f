import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

type Json = Record<string, any>;

/**
 * A remote MCP server on the wire, written by hand so it can answer tools/call with what the SDK's own server
 * never sends: a result that is not a CallToolResult, an error of its own, a body that is not JSON-RPC.
 */
async function handWrittenUpstream(): Promise<{ url: string; calls: Json[]; methods: string[]; close(): Promise<void> }> {
  const calls: Json[] = [];
  const methods: string[] = [];
  const tools = ['ok', 'bad-result', 'custom-error', 'not-json-rpc'].map((name) => ({ name, inputSchema: { type: 'object' } }));
  const answer = (message: Json): string | undefined => {
    const reply = (body: Json) => JSON.stringify({ jsonrpc: '2.0', id: message.id, ...body });
    methods.push(message.method ?? 'response');
    if (message.id === undefined) return undefined;
    if (message.method === 'initialize') {
      return reply({ result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'hand', version: '1' } } });
    }
    if (message.method === 'tools/list') return reply({ result: { tools } });
    if (message.method !== 'tools/call') return reply({ error: { code: -32601, message: 'Method not found' } });
    calls.push(message);
    switch (message.params.name) {
      case 'bad-result':
        return reply({ result: { content: 'not a list' } });
      case 'custom-error':
        return reply({ error: { code: -32099, message: 'quota exhausted', data: { retry: 'tomorrow' } } });
      case 'not-json-rpc':
        return reply({ error: 'boom' });
      default:
        return reply({ result: { content: [{ type: 'text', text: 'ok' }] } });
    }
  };
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      // The standalone stream: its head after 100 ms (as a busy server's), then nothing (closed with the server).
      streams.add(res);
      setTimeout(() => {
        methods.push('GET open');
        res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders();
      }, 100);
      return;
    }
    if (req.method !== 'POST') return void res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const out = answer(JSON.parse(body) as Json);
      if (out === undefined) return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'hand-1' }).end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    calls,
    methods,
    close: () => {
      for (const res of streams) res.end();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function callError(client: Client, name: string): Promise<McpError> {
  const err = await client.callTool({ name, arguments: {} }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

describe('tools/call relayed to a remote server', () => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof handWrittenUpstream>>;
  let client: Client;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await handWrittenUpstream();
    await addMcpServer(gw, { name: 'hand', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} } });
    client = await connectMcp(gw, 'hand');
  });
  afterAll(async () => {
    await client?.close();
    await gw?.stop();
    await upstream?.close();
  });

  it('sends the call under an id of its own, with the client’s progress token replaced by that id', async () => {
    await client.callTool({ name: 'ok', arguments: { a: 1 } }, undefined, { onprogress: () => {} });
    const sent = upstream.calls.at(-1)!;
    expect(sent.id).toMatch(/^agate-call-\d+$/);
    expect(sent.params).toMatchObject({ name: 'ok', arguments: { a: 1 } });
    expect(sent.params._meta.progressToken).toBe(sent.id);
  });

  it('opens a later session’s upstream session without listing tools again (the pool knows them)', async () => {
    const count = (method: string) => upstream.methods.filter((m) => m === method).length;
    const [initializes, lists] = [count('initialize'), count('tools/list')];
    expect(lists).toBeGreaterThan(0);
    const second = await connectMcp(gw, 'hand');
    try {
      expect((await second.callTool({ name: 'ok', arguments: {} })).content).toEqual([{ type: 'text', text: 'ok' }]);
      expect([count('initialize'), count('tools/list')]).toEqual([initializes + 1, lists]);
      // Its standalone stream was open before its first request went out (what no request caused goes there).
      const opened = upstream.methods.lastIndexOf('initialize');
      expect(upstream.methods.slice(opened, upstream.methods.indexOf('tools/call', opened))).toContain('GET open');
    } finally {
      await second.close();
    }
  });

  it('hands an upstream error on as the upstream sent it: code, message and data', async () => {
    const err = await callError(client, 'custom-error');
    expect(err.code).toBe(-32099);
    expect(err.message).toBe('MCP error -32099: quota exhausted');
    expect(err.data).toEqual({ retry: 'tomorrow' });
  });

  it('refuses a result that is not a CallToolResult with -32603 naming the server', async () => {
    const err = await callError(client, 'bad-result');
    expect(err.code).toBe(-32603);
    expect(err.data).toMatchObject({ code: 'GW_ERR_MCP_BACKEND_FAILED' });
    expect(err.message).toContain('hand (its tools/call result is not a CallToolResult)');
  });

  it('answers a body that is not JSON-RPC with -32603, and the session goes on', async () => {
    const err = await callError(client, 'not-json-rpc');
    expect(err.code).toBe(-32603);
    expect(err.message).toContain('not JSON-RPC');
    const again = await waitFor(() => client.callTool({ name: 'ok', arguments: {} }).catch(() => undefined), 'the session to serve calls again');
    expect(again.content).toEqual([{ type: 'text', text: 'ok' }]);
  });
});

describe('the router’s tool-call deadline', () => {
  let gw: TestGateway;
  const control: FixtureControl = { down: false, created: 0, cancelled: 0 };
  let client: Client;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', control)]]), mcp: { toolTimeoutMs: 300 } } });
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
    client = await connectMcp(gw, 'fx');
  });
  afterAll(async () => {
    await client?.close();
    await gw?.stop();
  });

  it('answers a call with no answer and no progress within toolTimeoutMs with GW_ERR_MCP_BACKEND_TIMEOUT, and tells the backend to stop', async () => {
    const started = Date.now();
    const err = await callError(client, 'hang');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(err.code).toBe(-32603);
    expect(err.data).toMatchObject({ code: 'GW_ERR_MCP_BACKEND_TIMEOUT' });
    expect(err.message).toContain('fx did not answer within 300 ms');
    await waitFor(() => control.cancelled === 1, 'the backend to see the cancellation');
    const line = await waitFor(() => gw.logs.find((l) => l.msg === 'mcp tool call' && l.tool === 'hang'), 'the tool-call log line');
    expect(line).toMatchObject({ outcome: 'error', code: 'GW_ERR_MCP_BACKEND_TIMEOUT' });
  });

  it('keeps a call that reports progress alive past the deadline', async () => {
    // 4 steps 150 ms apart: 600 ms in all, twice the deadline, but never 300 ms without progress.
    const seen: number[] = [];
    const res = await client.callTool({ name: 'slow', arguments: { steps: 4, delayMs: 150 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(res.content).toEqual([{ type: 'text', text: 'done:4' }]);
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
