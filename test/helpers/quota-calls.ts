import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from '../../registry/index.js';

/** The remote MCP server `tools` at `url`, with `requests` tool calls per consumer per window (and `consumers` only, if given). */
export function createToolsServer(r: Registry, url: string, limit: { requests: number; windowSeconds: number; consumers?: string[] }): void {
  const { requests, windowSeconds, consumers } = limit;
  r.mcpServers.create(
    {
      name: 'tools',
      backend: { kind: 'remote', url, transport: 'streamable-http', headers: {} },
      ...(consumers && { access: { consumers } }),
      rateLimit: { perConsumer: { requests, windowSeconds } },
    },
    'cli',
  );
}

/** An MCP SDK client session on `<base>/mcp/tools` as the consumer whose API key is `key`. */
export async function connectTools(base: { url: string }, key: string): Promise<Client> {
  const client = new Client({ name: 'quota-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base.url}/mcp/tools`), { requestInit: { headers: { 'x-api-key': key } } }));
  return client;
}

/** A tools/call of `echo`: `ok`, or the catalogue code the JSON-RPC error carries. */
export async function callEcho(client: Client, text: string): Promise<string> {
  try {
    await client.callTool({ name: 'echo', arguments: { message: text } });
    return 'ok';
  } catch (err) {
    if (!(err instanceof McpError)) return `thrown: ${(err as Error).message}`;
    const data = err.data as { code?: string; failMode?: string } | undefined;
    // A refusal because Redis did not answer says so (-32000, the code and the fail mode).
    if (data?.code === 'GW_ERR_QUOTA_STORE_UNAVAILABLE' && (err.code !== -32000 || data.failMode !== 'closed')) return `malformed: ${JSON.stringify(err)}`;
    return String(data?.code ?? err.code);
  }
}
