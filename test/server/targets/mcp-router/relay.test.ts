import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp, initializeRequest, parseSse, rawPost } from '../../../helpers/mcp.js';

describe.each(['streamable-http', 'sse'] as const)('MCP relay over %s', (transport) => {
  let gw: TestGateway;
  const control: FixtureControl = { down: false, created: 0, cancelled: 0 };
  let client: Client;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', control)]]) } });
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
    client = await connectMcp(gw, 'fx', { transport, capabilities: { sampling: {}, elicitation: {} } });
  });
  afterAll(async () => {
    await client?.close();
    await gw?.stop();
  });

  it('initializes with the backend identity and lists and calls its tools', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'fx', version: '9.9.9' });
    expect(client.getInstructions()).toBe('use fixture');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['echo', 'fail', 'slow', 'hang', 'crash', 'ask', 'confirm', 'log', 'whoami']);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'a' } })).toEqual({ content: [{ type: 'text', text: 'echo:a' }] });
    const failed = await client.callTool({ name: 'fail', arguments: {} });
    expect(failed.isError).toBe(true);
  });

  // Over HTTP+SSE the SDK client may drop progress that shares a read with its result (it dispatches
  // notifications a microtask after responses), so there the wire order is checked with a raw stream.
  it.runIf(transport === 'streamable-http')('relays progress with the client token mapped back', async () => {
    const seen: number[] = [];
    const res = await client.callTool({ name: 'slow', arguments: { steps: 3 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(res.content).toEqual([{ type: 'text', text: 'done:3' }]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it.runIf(transport === 'sse')('relays progress ahead of the result with the client token', async () => {
    const stream = await fetch(`${gw.url}/mcp/fx/sse`, { headers: { accept: 'text/event-stream' } });
    const reader = stream.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await readUntil(/data: (\S+)\n\n/);
    const endpoint = `${gw.url}${/data: (\S+)/.exec(text)![1]}`;
    await rawPost(endpoint, initializeRequest('2024-11-05', 0));
    await rawPost(endpoint, { jsonrpc: '2.0', method: 'notifications/initialized' });
    await rawPost(endpoint, { jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'slow', arguments: { steps: 2 }, _meta: { progressToken: 'tok' } } });
    await readUntil(/"id":"c1"/);
    await reader.cancel();
    const messages = parseSse(text).filter((e) => e.event === 'message').map((e) => JSON.parse(e.data));
    expect(messages.slice(1)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1, total: 2 } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 2, total: 2 } },
      { jsonrpc: '2.0', id: 'c1', result: { content: [{ type: 'text', text: 'done:2' }] } },
    ]);
  });

  it('relays cancellation so the backend stops the work', async () => {
    const before = control.cancelled;
    const started = control.hanging ?? 0;
    const abort = new AbortController();
    const call = client.callTool({ name: 'hang', arguments: {} }, undefined, { signal: abort.signal });
    await waitFor(() => (control.hanging ?? 0) > started, 'the backend to start the call');
    abort.abort('user gave up');
    await expect(call).rejects.toThrow();
    await waitFor(() => control.cancelled === before + 1, 'the backend to see the cancellation');
    const line = await waitFor(() => gw.logs.find((l) => l.msg === 'mcp tool call' && l.tool === 'hang'), 'the tool-call log line');
    expect(line.outcome).toBe('cancelled');
  });

  it('delivers sampling and elicitation requests to the session that caused them and returns the answers', async () => {
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'm' }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { ok: true } }));
    expect((await client.callTool({ name: 'ask', arguments: {} })).content).toEqual([{ type: 'text', text: 'model said:forty-two' }]);
    expect((await client.callTool({ name: 'confirm', arguments: {} })).content).toEqual([{ type: 'text', text: 'user:accept:{"ok":true}' }]);
  });

  it('relays log notifications', async () => {
    const messages: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params.data));
    await client.callTool({ name: 'log', arguments: {} });
    await waitFor(() => messages.length > 0, 'the log notification');
    expect(messages).toEqual(['hello from fixture']);
  });

  it('replaces a client-supplied caller IP with the socket address', async () => {
    const res = await client.callTool({ name: 'whoami', arguments: {}, _meta: { 'io.agate/client-ip': '6.6.6.6' } });
    expect(res.content).toEqual([{ type: 'text', text: '127.0.0.1' }]);
  });

  it('answers a call whose backend dies with a JSON-RPC error, and the session stays usable', async () => {
    const err = await client.callTool({ name: 'crash', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32603);
    expect((err as McpError).data).toMatchObject({ code: 'GW_ERR_MCP_BACKEND_FAILED' });
    const again = await waitFor(
      () => client.callTool({ name: 'echo', arguments: { text: 'back' } }).catch(() => undefined),
      'the member to reconnect',
    );
    expect(again.content).toEqual([{ type: 'text', text: 'echo:back' }]);
  });
});
