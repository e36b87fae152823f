import { text } from 'node:stream/consumers';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, createMcpHandler, type ServerNotifier } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** A `subscriptions/listen` the member received: its id, filter, `_meta` and era headers, as sent. */
export interface ListenSeen {
  readonly id: string | number | undefined;
  readonly notifications: Record<string, unknown> | undefined;
  readonly meta: Record<string, unknown> | undefined;
  readonly mcpMethodHeader: string | undefined;
}

/** A real 2026-07-28 MCP server (the v2 SDK's `createMcpHandler`) whose changes are told on `subscriptions/listen`. */
export interface ListenMember {
  readonly url: string;
  /** Every `subscriptions/listen` it received, in order. */
  readonly listens: ListenSeen[];
  /** The SDK's publish side: what it publishes reaches the open listen streams that asked for it. */
  readonly notify: ServerNotifier;
  /** Listen streams open right now. */
  openListens(): number;
  /** Adds tool `name` (answering `<name> here`) to every instance from now on, and tells the listeners. */
  addTool(name: string): void;
  /** Cuts every open listen stream's connection (the member's side drops; the member stays up). */
  dropListens(): void;
  close(): Promise<void>;
}

/** The fixture's resources (the expected values of tests). */
export const LISTEN_MEMBER_RESOURCES = Object.freeze(['notes://alice', 'notes://bob', 'notes://shared']);

/**
 * Starts a v2 `@modelcontextprotocol/server` endpoint at `/mcp`, modern-only (2025 traffic refused), declaring
 * `tools.listChanged`, `resources.subscribe` and `resources.listChanged`: tool `echo`, the resources of
 * LISTEN_MEMBER_RESOURCES (text `note <uri>`), and tools added with `addTool`. `refuse` lists URIs whose
 * subscription the member leaves out of its acknowledgement (a member that declines them): the SDK honours every
 * URI, so the acknowledgement frames are rewritten on their way out. `slowAck` holds the first frames (the
 * acknowledgement) of a listen whose filter names `uri` for `ms`: what the member publishes meanwhile reaches both
 * the caller's old stream and, behind the acknowledgement, the new one.
 */
export async function startListenMember(options: { refuse?: readonly string[]; slowAck?: { uri: string; ms: number } } = {}): Promise<ListenMember> {
  const added: string[] = [];
  const handler = createMcpHandler(
    () => {
      const server = new McpServer(
        { name: 'listen-member', version: '1.0.0' },
        { capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } } },
      );
      server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({ content: [{ type: 'text', text: `listen: ${message}` }] }));
      for (const name of added) server.registerTool(name, {}, async () => ({ content: [{ type: 'text', text: `${name} here` }] }));
      for (const uri of LISTEN_MEMBER_RESOURCES) {
        server.registerResource(uri.slice('notes://'.length), uri, { mimeType: 'text/plain' }, async (u) => ({ contents: [{ uri: u.href, text: `note ${u.href}` }] }));
      }
      return server;
    },
    { legacy: 'reject' },
  );
  const listens: ListenSeen[] = [];
  const streams = new Set<ServerResponse>();
  const refuse = options.refuse ?? [];
  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = await text(req);
      const parsed = parse(body);
      const listening = parsed?.method === 'subscriptions/listen';
      if (listening) {
        listens.push({ id: parsed.id, notifications: parsed.params?.notifications, meta: parsed.params?._meta, mcpMethodHeader: req.headers['mcp-method'] as string | undefined });
        streams.add(res);
        res.on('close', () => streams.delete(res));
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const answer = await handler.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers, signal: abort.signal, ...(req.method === 'POST' ? { body } : {}) }));
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.flushHeaders();
      const decoder = new TextDecoder();
      const slow = options.slowAck;
      if (listening && slow && parsed.params?.notifications?.resourceSubscriptions?.includes(slow.uri)) await new Promise((r) => setTimeout(r, slow.ms));
      for await (const chunk of answer.body ?? []) res.write(listening && refuse.length > 0 ? declined(decoder.decode(chunk as Uint8Array, { stream: true }), refuse) : chunk);
      res.end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    listens,
    notify: handler.notify,
    openListens: () => streams.size,
    addTool(name) {
      added.push(name);
      handler.notify.toolsChanged();
    },
    dropListens() {
      for (const res of streams) res.destroy();
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** An SSE chunk with the acknowledgement's `resourceSubscriptions` less the `refuse`d URIs (the SDK writes one frame per chunk). */
function declined(chunk: string, refuse: readonly string[]): string {
  if (!chunk.includes('notifications/subscriptions/acknowledged')) return chunk;
  return chunk.replace(/^data: (.*)$/m, (_line, json: string) => {
    const message = JSON.parse(json) as { params: { notifications: { resourceSubscriptions?: string[] } } };
    const taken = message.params.notifications.resourceSubscriptions?.filter((uri) => !refuse.includes(uri));
    message.params.notifications.resourceSubscriptions = taken;
    return `data: ${JSON.stringify(message)}`;
  });
}

function parse(body: string): { method?: unknown; id?: string | number; params?: Record<string, any> } | undefined {
  try {
    return JSON.parse(body) as { method?: unknown; id?: string | number; params?: Record<string, any> };
  } catch {
    return undefined;
  }
}
