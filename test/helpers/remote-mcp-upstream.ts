import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport, type EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema, isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
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

/**
 * One session's events, for resumption. The SDK's example store cannot replay the standalone GET stream (it reads
 * the stream id out of the event id up to the first `_`, and that stream's id starts with one), so: a plain log.
 */
class EventLog implements EventStore {
  private readonly events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = String(this.events.length + 1);
    this.events.push({ id, streamId, message });
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.find((e) => e.id === eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    if (at === -1) return '';
    const { streamId } = this.events[at]!;
    for (const e of this.events.slice(at + 1)) if (e.streamId === streamId) await send(e.id, e.message);
    return streamId;
  }
}

/** The socket each POSTed request came on, by `session id:request id`: what the `cut` tool breaks. */
type PostSockets = Map<string, Socket>;

/** How an upstream answers: `jsonResponse`, POSTs get one JSON body instead of an event stream. */
export interface RemoteMcpUpstreamOptions {
  jsonResponse?: boolean;
  /** Serves this server (one per session, over both transports) instead of the upstream's own tools. */
  server?: () => McpServer;
  /** Checks each request's Authorization: false answers 401 (an OAuth-protected server), after it was recorded. */
  authorize?: (authorization: string | undefined) => boolean | Promise<boolean>;
}

function buildServer(generation: number, sockets: PostSockets): McpServer {
  const server = new McpServer(
    { name: `upstream-gen${generation}`, version: '1.0.0' },
    { capabilities: { logging: {}, resources: { subscribe: true } } },
  );
  // This session's subscriptions: `touch` tells of a change to a subscribed resource only, as a real server would.
  const subscribed = new Set<string>();
  server.server.setRequestHandler(SubscribeRequestSchema, (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });
  server.registerResource('watched', new ResourceTemplate('test://{name}', { list: undefined }), {}, (uri) => ({
    contents: [{ uri: uri.href, text: `gen${generation}` }],
  }));
  server.registerTool('touch', { inputSchema: { uri: z.string() } }, async ({ uri }, extra) => {
    const watched = subscribed.has(uri);
    if (watched) await extra.sendNotification({ method: 'notifications/resources/updated', params: { uri } });
    return { content: [{ type: 'text', text: `gen${generation}: ${watched ? 'subscribed' : 'not subscribed'}` }] };
  });
  server.registerTool('big', { inputSchema: { bytes: z.number().int().min(1) } }, async ({ bytes }) => ({
    content: [{ type: 'text', text: 'x'.repeat(bytes) }],
  }));
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
  server.registerTool('cut', {}, async (extra) => {
    // Progress 1 goes out, then the connection carrying the response stream is cut, as a network failure would;
    // progress 2 and the result wait in the event store for the client to resume with Last-Event-ID.
    const progress = (n: number) =>
      extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta?.progressToken ?? 'none', progress: n, total: 2 } });
    await progress(1);
    await new Promise((r) => setTimeout(r, 20));
    sockets.get(`${extra.sessionId}:${String(extra.requestId)}`)?.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await progress(2);
    return { content: [{ type: 'text', text: 'survived the cut' }] };
  });
  server.registerTool('drop-standalone', {}, async (extra) => {
    // A notification on the standalone GET stream, which is then closed; the next one waits in the event store.
    await server.server.sendToolListChanged();
    await new Promise((r) => setTimeout(r, 20));
    extra.closeStandaloneSSEStream?.();
    await server.server.sendToolListChanged();
    return { content: [{ type: 'text', text: 'dropped' }] };
  });
  return server;
}

/** Starts an upstream (on `port`, to play a restarted server); `generation` shows in echo results. */
export async function startRemoteMcpUpstream(generation = 1, port = 0, options: RemoteMcpUpstreamOptions = {}): Promise<RemoteMcpUpstream> {
  const requests: SeenRequest[] = [];
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  const sockets: PostSockets = new Map();
  const app = express();
  app.use(express.json());
  app.use((req, res, next) => {
    requests.push({ method: req.method, path: req.path, headers: { ...req.headers }, body: req.body });
    if (!options.authorize) return next();
    void Promise.resolve(options.authorize(req.headers.authorization)).then((ok) => (ok ? next() : void res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').end()));
  });
  app.all('/mcp', async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    const rpcId = (req.body as { id?: unknown } | undefined)?.id;
    if (req.method === 'POST' && typeof sid === 'string' && rpcId !== undefined) {
      sockets.set(`${sid}:${String(rpcId)}`, req.socket);
      res.on('close', () => sockets.delete(`${sid}:${String(rpcId)}`));
    }
    if (typeof sid === 'string') {
      const known = streamable.get(sid);
      if (!known) return void res.status(404).json({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
      return known.handleRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) return void res.status(400).json({ error: 'no session' });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      enableJsonResponse: options.jsonResponse,
      eventStore: new EventLog(),
      retryInterval: 50,
      onsessioninitialized: (id) => void streamable.set(id, transport),
    });
    await (options.server?.() ?? buildServer(generation, sockets)).connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.get('/sse', async (_req, res) => {
    const transport = new SSEServerTransport('/messages', res);
    sse.set(transport.sessionId, transport);
    res.on('close', () => sse.delete(transport.sessionId));
    await (options.server?.() ?? buildServer(generation, sockets)).connect(transport);
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
