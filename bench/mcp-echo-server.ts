import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { HostedServerDefinition } from '../servers/index.js';

/** The MCP server every part of the MCP benchmark calls: one `echo` tool, answered at once. */
export function createEchoServer(): McpServer {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'returns its text', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

/** The echo server as a hosted server type, so agate can also serve it in process. */
export const echoDefinition: HostedServerDefinition = Object.freeze({
  name: 'bench-echo',
  title: 'Benchmark echo',
  version: '1.0.0',
  description: 'one echo tool',
  settings: [],
  createServer: () => createEchoServer(),
});

/**
 * The echo server over Streamable HTTP on 127.0.0.1, served the way the SDK documents it (one McpServer and
 * one stateful transport per session, on node:http): the "direct" baseline and agate's remote backend.
 */
export async function serveEcho(port = 0): Promise<{ url: string; server: Server; sessions: () => number }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer((req, res) => {
    void (async () => {
      const id = req.headers['mcp-session-id'];
      const known = typeof id === 'string' ? sessions.get(id) : undefined;
      if (known) return known.handleRequest(req, res);
      if (req.method !== 'POST' || id !== undefined) {
        res.writeHead(id === undefined ? 400 : 404, { 'content-type': 'application/json' });
        return void res.end('{"jsonrpc":"2.0","error":{"code":-32000,"message":"no session"},"id":null}');
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, transport),
      });
      transport.onclose = () => void (transport.sessionId && sessions.delete(transport.sessionId));
      await createEchoServer().connect(transport);
      await transport.handleRequest(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  // A production server's backlog (agate's own listener uses the same): with Node's default of 511, the thousand
  // upstream sessions of bench mcp (c) opening at once overflowed it, and SYN retries stalled their handshakes.
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', 4096, resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server, sessions: () => sessions.size };
}
