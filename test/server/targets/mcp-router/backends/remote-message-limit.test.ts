import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteBackendSpec } from '../../../../../registry/index.js';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

const MiB = 1024 * 1024;
const text = (r: unknown): string => (r as { content: Array<{ text: string }> }).content[0]!.text;

// A remote server may answer with anything, of any size: agate reads no more than the server's maxMessageBytes
// (4 MiB by default) of one answer, fails that call with an error that says why, and keeps the session.
describe('answers from a remote MCP server over its maxMessageBytes', () => {
  let gw: TestGateway;
  const upstreams: RemoteMcpUpstream[] = [];
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.stop();
    for (const up of upstreams) await up.close();
  });

  async function serve(name: string, options: { jsonResponse: boolean; maxMessageBytes?: number }): Promise<Client> {
    const up = await startRemoteMcpUpstream(1, 0, { jsonResponse: options.jsonResponse });
    upstreams.push(up);
    const { maxMessageBytes } = options;
    const backend: RemoteBackendSpec = { kind: 'remote', url: up.url, transport: 'streamable-http', headers: {}, ...(maxMessageBytes && { maxMessageBytes }) };
    await addMcpServer(gw, { name, backend });
    return connectMcp(gw, name);
  }

  const tooLarge = (name: string, limit: number) => ({
    code: -32603,
    // One "MCP error" prefix (the client's own): the router relays the upstream's message as it was sent.
    message: `MCP error -32603: MCP server "${name}" sent a message larger than ${limit} bytes (maxMessageBytes)`,
  });

  it.each([
    ['a JSON body', 'big-json', true],
    ['an SSE event', 'big-sse', false],
  ] as const)('%s of 5 MiB fails that call; the next call works', async (_what, name, jsonResponse) => {
    const client = await serve(name, { jsonResponse });
    const started = Date.now();
    await expect(client.callTool({ name: 'big', arguments: { bytes: 5 * MiB } })).rejects.toMatchObject(tooLarge(name, 4 * MiB));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('gen1: after');
    // Just under the limit still passes.
    expect(text(await client.callTool({ name: 'big', arguments: { bytes: 3 * MiB } }))).toHaveLength(3 * MiB);
    const logged = gw.logs.filter((l) => l.msg === 'upstream MCP message too large: dropped' && l.server === name);
    expect(logged).toEqual([expect.objectContaining({ level: 40, limit: 4 * MiB })]);
    await client.close();
  });

  it('takes the limit from the server config', async () => {
    const client = await serve('small-limit', { jsonResponse: true, maxMessageBytes: 64 * 1024 });
    await expect(client.callTool({ name: 'big', arguments: { bytes: 100 * 1024 } })).rejects.toMatchObject(tooLarge('small-limit', 64 * 1024));
    expect(text(await client.callTool({ name: 'big', arguments: { bytes: 32 * 1024 } }))).toHaveLength(32 * 1024);
    await client.close();
  });
});
