import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** A POST the member received: its JSON-RPC method (undefined for a non-JSON body) and the era headers. */
export interface MemberRequest {
  readonly method: string | undefined;
  readonly protocolVersionHeader: string | undefined;
  readonly mcpMethodHeader: string | undefined;
}

/** A real 2026-07-28 MCP server on 127.0.0.1 (the v2 SDK's `createMcpHandler`). */
export interface ModernMember {
  readonly url: string;
  readonly requests: MemberRequest[];
  close(): Promise<void>;
}

/**
 * Starts a v2 `@modelcontextprotocol/server` 2.4.0 endpoint at `/mcp` with one tool (`echo`). `legacy: 'reject'`
 * (the default) makes it modern-only: 2025 traffic gets the SDK's unsupported-protocol-version refusal.
 */
export async function startModernMember(options: { legacy?: 'reject' | 'stateless' } = {}): Promise<ModernMember> {
  const handler = createMcpHandler(
    () => {
      const server = new McpServer({ name: 'modern-member', version: '2.4.0' });
      server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({ content: [{ type: 'text', text: `modern: ${message}` }] }));
      return server;
    },
    { legacy: options.legacy ?? 'reject' },
  );
  const requests: MemberRequest[] = [];
  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      requests.push({ method: methodOf(body), protocolVersionHeader: header(req, 'mcp-protocol-version'), mcpMethodHeader: header(req, 'mcp-method') });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      const init: RequestInit = { method: req.method, headers, ...(req.method === 'POST' ? { body } : {}) };
      const answer = await handler.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, init));
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: () => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function methodOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { method?: unknown };
    return typeof parsed.method === 'string' ? parsed.method : undefined;
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
