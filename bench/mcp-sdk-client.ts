import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Call } from './compare.js';

/**
 * `sessions` clients of the official MCP SDK, each on a transport from `connect`, and a Call that echoes a fresh
 * text through them in turn and checks the answer. The SDK client's own cost is part of every call it makes,
 * which hides part of a gateway's: benches publish it beside the raw client (bench/mcp-raw-client.ts).
 */
export async function sdkEchoClients(connect: () => Transport, sessions: number): Promise<{ clients: Client[]; call: Call }> {
  const clients = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(connect());
      return client;
    }),
  );
  let n = 0;
  const call = async () => {
    const text = `m${n}`;
    const client = clients[n++ % clients.length]!;
    const result = (await client.callTool({ name: 'echo', arguments: { text } })) as { isError?: boolean; content?: Array<{ text?: string }> };
    if (result.isError || result.content?.[0]?.text !== text) throw new Error(`echo: unexpected result ${JSON.stringify(result).slice(0, 200)}`);
  };
  return { clients, call };
}
