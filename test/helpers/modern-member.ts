import { text } from 'node:stream/consumers';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { registerMrtrTools } from './modern-member-mrtr.js';

/** A POST the member received: its JSON-RPC method (undefined for a non-JSON body) and the era headers. */
export interface MemberRequest {
  readonly method: string | undefined;
  /** Its JSON-RPC id (undefined for a notification). */
  readonly id: string | number | undefined;
  readonly protocolVersionHeader: string | undefined;
  readonly mcpMethodHeader: string | undefined;
  readonly mcpNameHeader: string | undefined;
  /** The request's params (its `_meta` included), as sent. */
  readonly params: Record<string, any> | undefined;
}

/** A real 2026-07-28 MCP server on 127.0.0.1 (the v2 SDK's `createMcpHandler`). */
export interface ModernMember {
  readonly url: string;
  readonly requests: MemberRequest[];
  /** `hang` calls (and `linger` retries) whose request the member saw aborted (the caller closed the stream: 2026 cancellation), by tag. */
  readonly aborted: string[];
  /** Every requestState its MRTR tools (`ask`, `interview`, `pester`) handed out, in order. */
  readonly minted: string[];
  close(): Promise<void>;
}

/** The fixture's tools as it defines them (the expected values of tests). */
export const MODERN_MEMBER_TOOLS = Object.freeze(['echo', 'add', 'ask', 'slow', 'hang', 'interview', 'pester', 'linger']);
export const MODERN_MEMBER_INSTRUCTIONS = 'A modern-only member for tests.';

/**
 * Starts a v2 `@modelcontextprotocol/server` 2.4.0 endpoint at `/mcp` with tools `echo` (`modern: <message>`),
 * `add` (`<a+b>`), the MRTR tools of modern-member-mrtr.ts (`ask`: one elicitation `confirm` with requestState
 * `opaque-state`, then `confirm: <action> <content JSON>`; `interview {tag}`: a name elicitation, then a sampling
 * `capital` and a roots listing `where`, progress 1..3 across the rounds, then
 * `<tag>: name=<name> capital=<sampled text> roots=<uris>`; `pester`: asks again forever; `linger {tag}`: one elicitation, then its retry answers only when aborted, its tag
 * then listed in `aborted`; the prompt `introduce`: a name elicitation `who`, no requestState, then
 * `Introduce <name>`) and `slow` (reports `steps`
 * progress notifications, then `done <steps>`) and `hang` (answers only when aborted; its `tag` is then listed in
 * `aborted`); a resource `modern://greeting` (`hello from 2026`) and a prompt `hello` (`Say hello to <name>`). `legacy: 'reject'` (the default) makes it modern-only: 2025 traffic
 * gets the SDK's unsupported-protocol-version refusal.
 */
export async function startModernMember(options: { legacy?: 'reject' | 'stateless' } = {}): Promise<ModernMember> {
  const aborted: string[] = [];
  const minted: string[] = [];
  const handler = createMcpHandler(
    () => {
      const server = new McpServer({ name: 'modern-member', version: '2.4.0' }, { instructions: MODERN_MEMBER_INSTRUCTIONS });
      server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({ content: [{ type: 'text', text: `modern: ${message}` }] }));
      server.registerTool('add', { inputSchema: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
      registerMrtrTools(server, { minted, aborted });
      server.registerTool('slow', { inputSchema: z.object({ steps: z.number() }) }, async ({ steps }, ctx) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        if (progressToken !== undefined) {
          for (let i = 1; i <= steps; i++) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: i, total: steps } });
        }
        return { content: [{ type: 'text', text: `done ${steps}` }] };
      });
      server.registerResource('greeting', 'modern://greeting', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'hello from 2026' }] }));
      server.registerPrompt('hello', { argsSchema: z.object({ name: z.string() }) }, async ({ name }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}` } }],
      }));
      server.registerTool('hang', { inputSchema: z.object({ tag: z.string() }) }, ({ tag }, ctx) =>
        new Promise((resolve) => {
          ctx.mcpReq.signal.addEventListener('abort', () => {
            aborted.push(tag);
            resolve({ content: [{ type: 'text', text: `aborted ${tag}` }] });
          });
        }),
      );
      return server;
    },
    { legacy: options.legacy ?? 'reject' },
  );
  const requests: MemberRequest[] = [];
  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = await text(req);
      const parsed = parse(body);
      requests.push({
        method: typeof parsed?.method === 'string' ? parsed.method : undefined,
        id: parsed?.id,
        protocolVersionHeader: header(req, 'mcp-protocol-version'),
        mcpMethodHeader: header(req, 'mcp-method'),
        mcpNameHeader: header(req, 'mcp-name'),
        params: parsed?.params,
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      // The caller closing its connection aborts the request, as a real HTTP server's would.
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const init: RequestInit = { method: req.method, headers, signal: abort.signal, ...(req.method === 'POST' ? { body } : {}) };
      const answer = await handler.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, init));
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.flushHeaders();
      // Streamed as it comes: an event stream's events reach the caller before the answer ends.
      for await (const chunk of answer.body ?? []) res.write(chunk);
      res.end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    aborted,
    minted,
    close: () => new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    }),
  };
}

function parse(body: string): { method?: unknown; id?: string | number; params?: Record<string, any> } | undefined {
  try {
    return JSON.parse(body) as { method?: unknown; id?: string | number; params?: Record<string, any> };
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
