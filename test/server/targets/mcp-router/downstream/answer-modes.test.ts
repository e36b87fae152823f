import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, parseSse, rawInitialize, rawPost } from '../../../../helpers/mcp.js';
import type { HostedServerDefinition } from '../../../../../servers/index.js';
import { createConformanceMcpServer } from '../../../../fixtures/conformance-server/index.js';

const FIXTURE: HostedServerDefinition = {
  name: 'fixture',
  title: 'conformance fixture',
  version: '1.0.0',
  description: 'tools that answer at once and tools that report progress',
  settings: [],
  createServer: () => createConformanceMcpServer(),
};

const call = (id: number, name: string, progressToken?: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {}, ...(progressToken ? { _meta: { progressToken } } : {}) },
});

/** Reads a streamed body until `done(text)` holds, then drops the connection. */
async function readUntil(res: Response, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  let text = '';
  while (!done(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  await reader.cancel();
  return text;
}

describe('MCP Streamable HTTP: how a POST is answered', () => {
  let gw: TestGateway;
  let url: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([[FIXTURE.name, FIXTURE]]) } });
    await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
    url = `${gw.url}/mcp/fx`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const session = async (version: string) => {
    const { sessionId } = await rawInitialize(url, version);
    return { 'mcp-session-id': sessionId, 'mcp-protocol-version': version };
  };

  it('answers a call with nothing on the way as plain JSON', async () => {
    const headers = await session('2025-11-25');
    const res = await rawPost(url, call(1, 'test_simple_text'), headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('mcp-session-id')).toBe(headers['mcp-session-id']);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text' }] } });
  });

  it('turns the answer into an SSE stream when progress comes first: priming event, progress, result, end', async () => {
    const headers = await session('2025-11-25');
    const res = await rawPost(url, call(2, 'test_tool_with_progress', 'tok'), headers);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await res.text());
    expect(events[0]).toMatchObject({ id: expect.any(String), data: '' });
    const messages = events.slice(1).map((e) => JSON.parse(e.data));
    expect(messages.map((m) => m.method ?? 'result')).toEqual(['notifications/progress', 'notifications/progress', 'notifications/progress', 'result']);
    expect(messages.slice(0, 3).map((m) => m.params.progress)).toEqual([0, 50, 100]);
    expect(messages[3]).toMatchObject({ id: 2, result: { content: [{ type: 'text' }] } });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('sends no priming event to clients older than 2025-11-25', async () => {
    const headers = await session('2025-06-18');
    const res = await rawPost(url, call(3, 'test_tool_with_progress', 'tok'), headers);
    const events = parseSse(await res.text());
    expect(JSON.parse(events[0]!.data)).toMatchObject({ method: 'notifications/progress' });
    expect(events).toHaveLength(4);
  });

  it('streams even a plain answer to a client that accepts only text/event-stream', async () => {
    const headers = await session('2025-11-25');
    const res = await rawPost(url, call(4, 'test_simple_text'), { ...headers, accept: 'text/event-stream' });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await res.text()).filter((e) => e.data !== '');
    expect(events.map((e) => JSON.parse(e.data))).toMatchObject([{ id: 4, result: {} }]);
  });

  it('resumes a POST stream cut mid-call: GET with Last-Event-ID gets the rest, then the stream ends', async () => {
    const headers = await session('2025-11-25');
    const res = await rawPost(url, call(5, 'test_tool_with_progress', 'tok'), headers);
    const seen = parseSse(await readUntil(res, (text) => text.includes('"progress":0'))).filter((e) => e.id);
    const last = seen.at(-1)!;
    expect(JSON.parse(last.data)).toMatchObject({ params: { progress: 0 } });
    const resumed = await fetch(url, { headers: { ...headers, accept: 'text/event-stream', 'last-event-id': last.id! } });
    expect(resumed.status).toBe(200);
    const rest = parseSse(await resumed.text()).map((e) => JSON.parse(e.data));
    expect(rest.map((m) => m.params?.progress ?? `result ${m.id}`)).toEqual([50, 100, 'result 5']);
  });

  it('refuses a second connection to an open GET stream with 409, and an unknown Last-Event-ID with 400', async () => {
    const headers = { ...(await session('2025-11-25')), accept: 'text/event-stream' };
    const first = await fetch(url, { headers });
    expect(first.status).toBe(200);
    const second = await fetch(url, { headers });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ id: null, error: { code: -32000 } });
    const unknown = await fetch(url, { headers: { ...headers, 'last-event-id': 'nope' } });
    expect(unknown.status).toBe(400);
    await first.body!.cancel();
  });
});
