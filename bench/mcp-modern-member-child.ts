/**
 * A 2026-07-28-only MCP server for bench/mcp-2026.ts in its own process: the v2 SDK's `createMcpHandler`
 * (`@modelcontextprotocol/server` 2.4.0) with legacy traffic rejected and one `echo` tool (returns its `text`), on
 * node:http. IPC: sends `{ url }` once listening; exits on `'stop'`.
 */
import { text } from 'node:stream/consumers';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';

const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'bench-modern-echo', version: '1.0.0' });
    server.registerTool('echo', { description: 'returns its text', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    return server;
  },
  { legacy: 'reject' },
);

const http = createServer((req, res) => {
  void (async () => {
    const body = await text(req);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const answer = await handler.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers, ...(req.method === 'POST' ? { body } : {}) }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  })().catch(() => res.destroy());
});
http.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
process.send!({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` });
process.on('message', (msg) => {
  if (msg === 'stop') process.exit(0);
});
