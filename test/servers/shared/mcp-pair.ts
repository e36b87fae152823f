import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A connected SDK client/server pair over in-memory transports. */
export interface McpPair {
  client: Client;
  /** tools/call returning the result typed as a CallToolResult (these servers never use tasks). */
  call(name: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Connects an SDK `Client` to `server` with `InMemoryTransport.createLinkedPair()`. */
export async function connectPair(server: McpServer): Promise<McpPair> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'agate-test', version: '0.0.0' });
  await client.connect(clientSide);
  return {
    client,
    call: async (name, args, meta) =>
      (await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The single text block of a tool result (fails loudly if the shape is anything else). */
export function textOf(result: CallToolResult): string {
  const [block, ...rest] = result.content;
  if (block?.type !== 'text' || rest.length > 0) throw new Error(`expected one text block, got ${JSON.stringify(result.content)}`);
  return block.text;
}
