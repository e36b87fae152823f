import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { TestGateway } from './gateway.js';

/** The 2026-07-28 `_meta` keys (basic/index.mdx §_meta), spelled out here rather than taken from agate. */
export const META = Object.freeze({
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
});

/** The modern revision. */
export const MODERN = '2026-07-28';

/**
 * A v2 SDK client (`@modelcontextprotocol/client`, the real modern client) connected to `/mcp/<name>`: pinned to
 * 2026-07-28 by default, or with version negotiation on `auto`.
 */
export async function connectModernMcp(gw: TestGateway, name: string, options: { headers?: Record<string, string>; mode?: 'auto' | 'pin' } = {}): Promise<Client> {
  const mode = options.mode === 'auto' ? 'auto' : { pin: MODERN };
  const client = new Client({ name: 'modern-test-client', version: '2.0.0' }, { capabilities: {}, versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/${name}`), { requestInit: { headers: options.headers ?? {} } });
  await client.connect(transport);
  return client;
}

/** A change notification a listening v2 client was handed: its method and params (with `_meta`). */
export interface HeardChange {
  method: string;
  params: Record<string, any>;
}

/**
 * A v2 client (pinned to 2026-07-28) on `/mcp/<name>` with `headers`, recording the change notifications its
 * `listen()` streams deliver (resources/updated, tools/list_changed) in `heard`.
 */
export async function connectModernListener(gw: TestGateway, name: string, headers: Record<string, string>): Promise<{ client: Client; heard: HeardChange[] }> {
  const client = await connectModernMcp(gw, name, { headers });
  const heard: HeardChange[] = [];
  for (const method of ['notifications/resources/updated', 'notifications/tools/list_changed'] as const) {
    client.setNotificationHandler(method, (n) => void heard.push({ method, params: (n.params ?? {}) as Record<string, any> }));
  }
  return { client, heard };
}

/** The `_meta` envelope a modern request carries (basic/index.mdx, the example of server/discover.mdx). */
export function envelope(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { [META.protocolVersion]: MODERN, [META.clientInfo]: { name: 'raw', version: '1.0.0' }, [META.clientCapabilities]: {}, ...extra };
}

/** One raw modern POST: the headers streamable-http.mdx §Request Metadata requires, from the body, unless overridden (null drops one). */
export async function modernPost(
  gw: TestGateway,
  path: string,
  body: { id?: number | string; method: string; params?: Record<string, unknown> },
  headers: Record<string, string | null> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const params = body.params ?? { _meta: envelope() };
  const name = (params as { name?: unknown; uri?: unknown }).name ?? (params as { uri?: unknown }).uri;
  const base: Record<string, string | null> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': body.method,
    ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
  };
  const merged = Object.fromEntries(Object.entries({ ...base, ...headers }).filter((e): e is [string, string] => e[1] !== null));
  const res = await fetch(`${gw.url}/mcp/${path}`, { method: 'POST', headers: merged, body: JSON.stringify({ jsonrpc: '2.0', id: body.id ?? 1, method: body.method, params }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}
