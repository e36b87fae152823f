import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

async function upstream(generation: number, port = 0, transport: 'streamable-http' | 'sse' = 'streamable-http'): Promise<RemoteMcpUpstream & { at: string }> {
  const up = await startRemoteMcpUpstream(generation, port);
  cleanup.push(() => up.close());
  return Object.assign(up, { at: transport === 'sse' ? up.sseUrl : up.url });
}

const text = (r: unknown): string => (r as { content: Array<{ text: string }> }).content[0]!.text;
const bodies = (up: RemoteMcpUpstream, method: string) =>
  up.requests.filter((r) => r.method === 'POST' && (r.body as { method?: string } | undefined)?.method === method).map((r) => r.body as { params: unknown });

// An upstream restarted mid-session forgets everything its session was told. agate re-initializes it inside the
// remote transport, which the router does not see; the transport itself must tell the new session what the client
// had set, or subscriptions and the log level would be silently lost.
describe.each(['streamable-http', 'sse'] as const)('a remote upstream restarted mid-session (%s)', (transport) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  async function client(name: string, url: string): Promise<{ client: Client; updated: string[] }> {
    await addMcpServer(gw, { name, backend: { kind: 'remote', url, transport, headers: {} } });
    const c = await connectMcp(gw, name);
    cleanup.push(() => c.close());
    const updated: string[] = [];
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    return { client: c, updated };
  }

  it('gets the log level and the resource subscriptions the client set, and not one it ended', async () => {
    const first = await upstream(1, 0, transport);
    const { client: c, updated } = await client(`replay-${transport}`, first.at);
    await c.setLoggingLevel('warning');
    await c.subscribeResource({ uri: 'test://kept' });
    await c.subscribeResource({ uri: 'test://ended' });
    await c.unsubscribeResource({ uri: 'test://ended' });
    expect(text(await c.callTool({ name: 'touch', arguments: { uri: 'test://kept' } }))).toBe('gen1: subscribed');
    await waitFor(() => updated.includes('test://kept'), 'the update from the first upstream');
    updated.length = 0;

    await first.close();
    const second = await upstream(2, first.port, transport);
    // The call is what finds the session gone (Streamable HTTP) or waits for the lost stream's re-initialization (SSE).
    await waitFor(() => transport === 'streamable-http' || bodies(second, 'notifications/initialized').length > 0, 'the re-initialization');
    expect(text(await c.callTool({ name: 'touch', arguments: { uri: 'test://kept' } }))).toBe('gen2: subscribed');
    await waitFor(() => updated.includes('test://kept'), 'the update from the restarted upstream');
    expect(text(await c.callTool({ name: 'touch', arguments: { uri: 'test://ended' } }))).toBe('gen2: not subscribed');

    expect(bodies(second, 'initialize')).toHaveLength(1);
    expect(bodies(second, 'logging/setLevel').map((b) => b.params)).toEqual([{ level: 'warning' }]);
    expect(bodies(second, 'resources/subscribe').map((b) => b.params)).toEqual([{ uri: 'test://kept' }]);
    expect(updated).toEqual(['test://kept']);
    // The session carries on: what the client sets now goes straight to the new upstream session.
    await c.setLoggingLevel('error');
    expect(bodies(second, 'logging/setLevel').map((b) => b.params)).toEqual([{ level: 'warning' }, { level: 'error' }]);
  });
});
