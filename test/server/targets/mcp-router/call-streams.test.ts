import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { fixtureServer, type FixtureControl } from '../../../helpers/mcp-fixture-server.js';
import { addMcpServer, rawPost } from '../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../helpers/remote-mcp-upstream.js';

/** Reads one POST's event stream message by message, as they arrive. */
class EventReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(res: Response) {
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    this.reader = res.body!.getReader();
  }

  /** The next JSON-RPC message on the stream; fails if the stream ends first. */
  async next(): Promise<Record<string, any>> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end !== -1) {
        const event = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data) return JSON.parse(data) as Record<string, any>;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`the stream ended; unread: ${this.buffer}`);
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }
}

/**
 * What an upstream sends on a call's own stream (a log line, a sampling request) reaches the client on that call's
 * POST stream, not on the session's standalone GET stream, which these clients never open. Hosted servers and
 * remote ones (the same fixture served over Streamable HTTP) alike.
 */
describe.each(['hosted', 'remote'] as const)('traffic of a call over a %s backend', (kind) => {
  let gw: TestGateway;
  let upstream: RemoteMcpUpstream | undefined;
  const control: FixtureControl = { down: false, created: 0, cancelled: 0 };
  const fixture = fixtureServer('fixture', control);
  let url: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixture]]) } });
    if (kind === 'remote') {
      upstream = await startRemoteMcpUpstream(1, 0, { server: () => fixture.createServer({ settings: {} } as never) });
      await addMcpServer(gw, { name: 'fx', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, secretHeaders: {} } });
    } else {
      await addMcpServer(gw, { name: 'fx', backend: { kind: 'hosted', server: 'fixture', settings: {}, secretSettings: {} } });
    }
    url = `${gw.url}/mcp/fx`;
    const init = await rawPost(url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'raw', version: '1' } },
    });
    expect(init.status).toBe(200);
    await init.text();
    headers = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    expect((await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('a sampling request comes on the call stream, and the answer posted back completes the call', async () => {
    const events = new EventReader(await rawPost(url, { jsonrpc: '2.0', id: 'ask-1', method: 'tools/call', params: { name: 'ask', arguments: {} } }, headers));
    const sampling = await events.next();
    expect(sampling).toMatchObject({ method: 'sampling/createMessage', params: { maxTokens: 5 } });
    const answer = { jsonrpc: '2.0', id: sampling.id, result: { role: 'assistant', content: { type: 'text', text: 'forty-two' }, model: 'm' } };
    expect((await rawPost(url, answer, headers)).status).toBe(202);
    expect(await events.next()).toEqual({ jsonrpc: '2.0', id: 'ask-1', result: { content: [{ type: 'text', text: 'model said:forty-two' }] } });
  });

  it('a log message sent while a tool runs comes on the call stream before its result', async () => {
    const level = await rawPost(url, { jsonrpc: '2.0', id: 'lvl', method: 'logging/setLevel', params: { level: 'debug' } }, headers);
    expect(level.status).toBe(200);
    await level.text();
    const events = new EventReader(await rawPost(url, { jsonrpc: '2.0', id: 'log-1', method: 'tools/call', params: { name: 'log', arguments: {} } }, headers));
    expect(await events.next()).toMatchObject({ method: 'notifications/message', params: { level: 'info', data: 'hello from fixture' } });
    expect(await events.next()).toMatchObject({ id: 'log-1', result: { content: [{ type: 'text', text: 'logged' }] } });
  });

  it('a prompt is fetched and a resource read through the relay, as the member sent them', async () => {
    const prompt = await rawPost(url, { jsonrpc: '2.0', id: 'p', method: 'prompts/get', params: { name: 'greet', arguments: { who: 'ada' } } }, headers);
    expect(await firstMessage(prompt)).toEqual({ jsonrpc: '2.0', id: 'p', result: { messages: [{ role: 'user', content: { type: 'text', text: 'greet ada' } }] } });
    const resource = await rawPost(url, { jsonrpc: '2.0', id: 'r', method: 'resources/read', params: { uri: 'fixture://greeting' } }, headers);
    expect(await firstMessage(resource)).toEqual({ jsonrpc: '2.0', id: 'r', result: { contents: [{ uri: 'fixture://greeting', text: 'hello resource' }] } });
  });
});

async function firstMessage(res: Response): Promise<Record<string, any>> {
  expect(res.status).toBe(200);
  if (res.headers.get('content-type')?.startsWith('application/json')) return (await res.json()) as Record<string, any>;
  return new EventReader(res).next();
}
