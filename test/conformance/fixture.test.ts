import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { createConformanceMcpServer, startConformanceServer, type RunningConformanceServer } from '../fixtures/conformance-server/index.js';
import { connectPair } from '../servers/shared/mcp-pair.js';

// The suite itself needs Node 22 and a download, so it runs from `run-conformance.ts`, not here; these tests
// pin the fixture's side of the contract with the same client the suite uses (SDK Client over Streamable HTTP).

let fixture: RunningConformanceServer;
const clients: Client[] = [];

beforeAll(async () => {
  fixture = await startConformanceServer({ watchedIntervalMs: 20 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await fixture.close();
});

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'fixture-test', version: '0.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
  const transport = new StreamableHTTPClientTransport(new URL(fixture.url));
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;

/** Resolves with the first value `register` hands over, or rejects after `ms`. */
function nextEvent<T>(register: (resolve: (value: T) => void) => void, what: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('conformance fixture over Streamable HTTP', () => {
  it('lists the contract tools, each with a description', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['test_simple_text', 'test_image_content', 'test_audio_content', 'test_sampling', 'test_elicitation', 'json_schema_2020_12_tool']));
    expect(tools.every((t) => t.description)).toBe(true);
    const schema = tools.find((t) => t.name === 'json_schema_2020_12_tool')!.inputSchema as Record<string, unknown>;
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', additionalProperties: false, $defs: { address: { type: 'object' } } });
  });

  it.each([
    ['test_simple_text', 'text', undefined],
    ['test_image_content', 'image', 'image/png'],
    ['test_audio_content', 'audio', 'audio/wav'],
  ])('%s returns %s content', async (name, type, mimeType) => {
    const { client } = await connect();
    const [block] = (await call(client, name)).content;
    expect(block?.type).toBe(type);
    if (mimeType) expect(block).toMatchObject({ mimeType, data: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
  });

  it('test_error_handling answers with an isError result, not a JSON-RPC error', async () => {
    const { client } = await connect();
    const result = await call(client, 'test_error_handling');
    expect(result.isError).toBe(true);
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('intentionally returns an error') });
  });

  it('relays sampling and elicitation to the client on the tool call', async () => {
    const { client } = await connect();
    client.setRequestHandler(CreateMessageRequestSchema, (req) => ({
      role: 'assistant',
      model: 'fake',
      content: { type: 'text', text: `echo ${JSON.stringify(req.params.messages[0]?.content)}` },
    }));
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }));
    expect((await call(client, 'test_sampling', { prompt: 'hi' })).content[0]).toMatchObject({ text: expect.stringContaining('LLM response: echo') });
    expect((await call(client, 'test_elicitation', { message: 'who?' })).content[0]).toMatchObject({ text: expect.stringContaining('"username":"ada"') });
  });

  it('sends logs on the call stream and honours logging/setLevel', async () => {
    const { client } = await connect();
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
    await client.setLoggingLevel('debug');
    await call(client, 'test_tool_with_logging');
    expect(logs).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);
    await client.setLoggingLevel('error');
    await call(client, 'test_tool_with_logging');
    expect(logs).toHaveLength(3);
  });

  it('reports increasing progress when given a progress token', async () => {
    const { client } = await connect();
    const seen: number[] = [];
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(seen).toEqual([0, 50, 100]);
  });

  it('serves resources, the {id} template and subscription updates', async () => {
    const { client } = await connect();
    expect((await client.readResource({ uri: 'test://static-text' })).contents[0]).toMatchObject({ mimeType: 'text/plain', text: expect.any(String) });
    expect((await client.readResource({ uri: 'test://static-binary' })).contents[0]).toMatchObject({ mimeType: 'image/png', blob: expect.any(String) });
    expect((await client.readResource({ uri: 'test://template/123/data' })).contents[0]).toMatchObject({ text: expect.stringContaining('"id":"123"') });
    const updated = nextEvent<string>((resolve) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)), 'resources/updated');
    await client.subscribeResource({ uri: 'test://watched-resource' });
    expect(await updated).toBe('test://watched-resource');
  });

  it('substitutes prompt arguments and completes arg1', async () => {
    const { client } = await connect();
    const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'one', arg2: 'two' } });
    expect(JSON.stringify(prompt.messages)).toContain("arg1='one', arg2='two'");
    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
    expect(completion.completion.values).toEqual(['paris', 'park', 'party']);
  });

  it('resumes a stream the tool closed mid-call via GET + Last-Event-ID (SEP-1699)', async () => {
    const { transport } = await connect();
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' };
    const post = await fetch(fixture.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'test_reconnection', arguments: {} } }),
      signal: AbortSignal.timeout(5000),
    });
    const first = await post.text(); // the server ends this stream before the result exists
    expect(first).toMatch(/^id: (\S+)\nretry: \d+\ndata: \n/);
    expect(first).not.toContain('"id":99');
    const lastEventId = /^id: (\S+)/.exec(first)![1]!;
    const controller = new AbortController();
    const resumed = await fetch(fixture.url, { headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId }, signal: controller.signal });
    const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const deadline = setTimeout(() => controller.abort(), 5000);
    while (!text.includes('"id":99')) text += (await reader.read()).value ?? '';
    clearTimeout(deadline);
    controller.abort();
    expect(text).toContain('Reconnection test completed');
  });
});

describe('conformance fixture HTTP edges', () => {
  const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } });
  const port = (): number => fixture.port;

  it.each([
    ['a foreign Host (DNS rebinding)', 'POST', { host: 'evil.example.com' }, init, 403],
    ['a foreign Origin', 'POST', { origin: 'http://evil.example.com' }, init, 403],
    ['a localhost Host and Origin', 'POST', { host: 'localhost', origin: 'http://localhost' }, init, 200],
    ['an unknown session', 'POST', { 'mcp-session-id': 'no-such-session' }, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), 404],
    ['no session on a non-initialize request', 'POST', {}, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), 400],
    ['GET without a session', 'GET', {}, undefined, 400],
    ['an unsupported method', 'PUT', {}, undefined, 405],
  ])('answers %s with %s', async (_what, method, extra, body, status) => {
    const code = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: port(), path: '/mcp', method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(code).toBe(status);
  });
});

describe('conformance fixture in process', () => {
  it('works over an in-memory transport and announces the dynamic tool', async () => {
    const pair = await connectPair(createConformanceMcpServer({ dynamicDelayMs: 10 }));
    try {
      const changed = nextEvent<void>((resolve) => pair.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()), 'tools/list_changed');
      expect((await pair.call('test_simple_text', {})).content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('simple text') });
      await changed;
      expect((await pair.client.listTools()).tools.map((t) => t.name)).toContain('test_dynamic_tool');
    } finally {
      await pair.close();
    }
  });
});
