import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * A 2025 MCP server (v1 SDK) whose resources change for everyone: `update(uri)` tells every upstream session
 * subscribed to `uri` (notifications/resources/updated), as a real server with shared data would, and `addTool`
 * gives every session a tool (the SDK sends each tools/list_changed). Serve it with startRemoteMcpUpstream's
 * `server` option: one McpServer per upstream session.
 */
export interface ResourceFeed {
  /** A new server for one upstream session. */
  server(): McpServer;
  /** Tells the sessions subscribed to `uri` that it changed; how many were told. */
  update(uri: string): Promise<number>;
  /** How many open upstream sessions are subscribed to `uri`. */
  subscribers(uri: string): number;
  /** How many upstream sessions are open. */
  sessions(): number;
  /** Whether the first session that subscribed to `uri` is still open (undefined: none did). */
  subscriberOpen(uri: string): boolean | undefined;
  /** Adds tool `name` to every session, open and future. */
  addTool(name: string): void;
}

interface FeedSession {
  readonly server: McpServer;
  readonly subscribed: Set<string>;
}

export function resourceFeed(label: string): ResourceFeed {
  const sessions = new Set<FeedSession>();
  const firstSubscriber = new Map<string, FeedSession>();
  const extraTools: string[] = [];
  const register = (server: McpServer, name: string) =>
    server.registerTool(name, { inputSchema: { message: z.string() } }, async ({ message }) => ({ content: [{ type: 'text', text: `${label}/${name}: ${message}` }] }));
  return {
    server() {
      const server = new McpServer({ name: label, version: '1.0.0' }, { capabilities: { resources: { subscribe: true, listChanged: true }, tools: { listChanged: true } } });
      const session: FeedSession = { server, subscribed: new Set() };
      server.registerResource('item', new ResourceTemplate('feed://{name}', { list: undefined }), {}, (uri) => ({ contents: [{ uri: uri.href, text: `${label}:${uri.href}` }] }));
      register(server, 'echo');
      for (const name of extraTools) register(server, name);
      server.server.setRequestHandler(SubscribeRequestSchema, (req) => {
        session.subscribed.add(req.params.uri);
        if (!firstSubscriber.has(req.params.uri)) firstSubscriber.set(req.params.uri, session);
        return {};
      });
      server.server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
        session.subscribed.delete(req.params.uri);
        return {};
      });
      sessions.add(session);
      server.server.onclose = () => void sessions.delete(session);
      return server;
    },
    async update(uri) {
      const told = [...sessions].filter((s) => s.subscribed.has(uri));
      await Promise.all(told.map((s) => s.server.server.sendResourceUpdated({ uri })));
      return told.length;
    },
    subscribers(uri) {
      return [...sessions].filter((s) => s.subscribed.has(uri)).length;
    },
    sessions() {
      return sessions.size;
    },
    subscriberOpen(uri) {
      const session = firstSubscriber.get(uri);
      return session && sessions.has(session);
    },
    addTool(name) {
      extraTools.push(name);
      for (const s of sessions) register(s.server, name);
    },
  };
}
