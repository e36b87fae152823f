import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express from 'express';
import { z } from 'zod';

/** A request the upstream received. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A real MCP server on 127.0.0.1 speaking Streamable HTTP at /mcp and HTTP+SSE at /sse + /messages. */
export interface RemoteMcpUpstream {
  port: number;
  /** Streamable HTTP endpoint. */
  url: string;
  /** Legacy SSE endpoint. */
  sseUrl: string;
  requests: SeenRequest[];
  /** Stops listening and cuts every open connection (an upstream crash, as far as clients can tell). */
  close(): Promise<void>;
}

function buildServer(generation: number): McpServer {
  const server = new McpServer({ name: `upstream-gen${generation}`, version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: `gen${generation}: ${message}` }],
  }));
  server.registerTool('hang', {}, (extra) => new Promise((resolve) => extra.signal.addEventListener('abort', () => resolve({ content: [] }))));
  server.registerTool('interrupted', {}, async (extra) => {
    // Cut the response stream after the priming event; the client must come back with Last-Event-ID.
    extra.closeSSEStream?.();
    await new Promise((r) => setTimeout(r, 100));
    return { content: [{ type: 'text', text: 'resumed' }] };
  });
  return server;
}

/** Starts an upstream (on `port`, to play a restarted server); `generation` shows in echo results. */
export async function startRemoteMcpUpstream(generation = 1, port = 0): Promise<RemoteMcpUpstream> {
  const requests: SeenRequest[] = [];
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.path, headers: { ...req.headers }, body: req.body });
    next();
  });
  app.all('/mcp', async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const known = streamable.get(sid);
      if (!known) return void res.status(404).json({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
      return known.handleRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) return void res.status(400).json({ error: 'no session' });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      eventStore: new InMemoryEventStore(),
      retryInterval: 50,
      onsessioninitialized: (id) => void streamable.set(id, transport),
    });
    await buildServer(generation).connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.get('/sse', async (_req, res) => {
    const transport = new SSEServerTransport('/messages', res);
    sse.set(transport.sessionId, transport);
    res.on('close', () => sse.delete(transport.sessionId));
    await buildServer(generation).connect(transport);
  });
  app.post('/messages', async (req, res) => {
    const transport = sse.get(String(req.query.sessionId));
    if (!transport) return void res.status(404).send('unknown session');
    await transport.handlePostMessage(req, res, req.body);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}/mcp`,
    sseUrl: `http://127.0.0.1:${actual}/sse`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...streamable.values(), ...sse.values()].map((t) => t.close().catch(() => {})));
    },
  };
}
