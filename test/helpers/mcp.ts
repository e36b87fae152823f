import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerSpec } from '../../registry/index.js';
import { waitFor, type TestGateway } from './gateway.js';

/** Writes an MCP server to the registry and waits until the gateway serves it. */
export async function addMcpServer(gw: TestGateway, spec: Omit<McpServerSpec, 'enabled'> & { enabled?: boolean }): Promise<void> {
  gw.registry.mcpServers.create(spec, 'cli');
  await waitFor(() => gw.snapshots.current()?.mcp.servers.has(spec.name), `MCP server ${spec.name} to be served`);
}

/** An SDK client connected to `/mcp/<name>` over Streamable HTTP or the legacy HTTP+SSE transport. */
export async function connectMcp(
  gw: TestGateway,
  name: string,
  options: { transport?: 'streamable-http' | 'sse'; capabilities?: ClientCapabilities; headers?: Record<string, string>; query?: string } = {},
): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const requestInit = { headers: options.headers ?? {} };
  const transport =
    options.transport === 'sse'
      ? new SSEClientTransport(new URL(`${gw.url}/mcp/${name}/sse${options.query ? `?${options.query}` : ''}`), { requestInit, eventSourceInit: { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as Record<string, string>), ...requestInit.headers } }) } })
      : new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/${name}${options.query ? `?${options.query}` : ''}`), { requestInit });
  await client.connect(transport);
  return client;
}

/** Parses an SSE body into its events (id, event, data). */
export function parseSse(text: string): Array<{ id?: string; event?: string; data: string }> {
  const events: Array<{ id?: string; event?: string; data: string }> = [];
  for (const block of text.split(/\n\n/)) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
    if (lines.length === 0) continue;
    const e: { id?: string; event?: string; data: string } = { data: '' };
    for (const line of lines) {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') e.data += value;
    }
    events.push(e);
  }
  return events;
}

/** The JSON-RPC messages in a response body, whether it came as JSON or as an SSE stream. */
export async function rpcMessages(res: Response): Promise<Array<Record<string, any>>> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return parseSse(text).filter((e) => e.data.trim() !== '').map((e) => JSON.parse(e.data));
  }
  const body = JSON.parse(text);
  return Array.isArray(body) ? body : [body];
}

const INIT = (version = '2025-06-18', id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Raw Streamable HTTP: initialize over fetch, returning the session id and the negotiated version. */
export async function rawInitialize(url: string, version = '2025-06-18', headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(INIT(version)),
  });
  const [message] = await rpcMessages(res);
  const sessionId = res.headers.get('mcp-session-id') ?? '';
  await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return { sessionId, status: res.status, result: message?.result, version: message?.result?.protocolVersion as string };
}

/** Raw POST of a body (string sent as is) with the usual MCP headers, overridable. */
export function rawPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export { INIT as initializeRequest };
