import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { getEventListeners } from 'node:events';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSTHROUGH_AUTH_META_KEY } from '../../../../../servers/index.js';
import {
  createRemoteBackendFactory,
  type RemoteBackend,
  type RemoteBackendSpec,
  type RemoteTuning,
} from '../../../../../server/targets/mcp-router/backends/index.js';
import { createUpstreamFetch } from '../../../../../server/targets/mcp-router/backends/remote-sse.js';
import { captureLog, type CapturedLog } from '../../../../helpers/capture-log.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

async function upstream(generation = 1, port = 0): Promise<RemoteMcpUpstream> {
  const up = await startRemoteMcpUpstream(generation, port);
  cleanup.push(() => up.close());
  return up;
}

function remoteBackend(
  url: string,
  options: { transport?: 'streamable-http' | 'sse'; headers?: Record<string, string>; tuning?: Partial<RemoteTuning>; log?: CapturedLog } = {},
): RemoteBackend {
  const factory = createRemoteBackendFactory({ log: (options.log ?? captureLog()).log, defaults: options.tuning });
  const spec: RemoteBackendSpec = { kind: 'remote', url, transport: options.transport ?? 'streamable-http', headers: options.headers ?? {} };
  const backend = factory({ kind: 'remote', spec }, 'up1') as RemoteBackend;
  cleanup.push(() => backend.close());
  return backend;
}

async function connectClient(backend: RemoteBackend): Promise<{ client: Client; listChanged: () => number }> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  await client.connect(await backend.connect());
  cleanup.push(() => client.close());
  return { client, listChanged: () => changes };
}

const text = (r: unknown): string => (r as { content: Array<{ text: string }> }).content[0]!.text;
const posts = (up: RemoteMcpUpstream, method: string) =>
  up.requests.filter((r) => r.method === 'POST' && (r.body as { method?: string } | undefined)?.method === method);

describe('remote backend over Streamable HTTP', () => {
  it('sends the negotiated MCP-Protocol-Version and configured credentials, never the client token by default', async () => {
    const up = await upstream();
    const backend = remoteBackend(up.url, { headers: { 'x-api-key': 'secret-1' } });
    expect(backend.passthroughHeaders).toEqual([]);
    const { client } = await connectClient(backend);
    expect(backend.health.state).toBe('ready');
    // What the router would attach if the client's token were to be passed through: refused without configuration.
    const _meta = { [PASSTHROUGH_AUTH_META_KEY]: { authorization: 'Bearer client-token' }, keep: 'me' };
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'a' }, _meta }))).toBe('gen1: a');
    const call = posts(up, 'tools/call')[0]!;
    expect(call.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
    expect(call.headers['x-api-key']).toBe('secret-1');
    expect(up.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect((call.body as { params: { _meta: unknown } }).params._meta).toEqual({ keep: 'me' });

    const passing = remoteBackend(up.url, { tuning: { passthroughHeaders: ['authorization'] } });
    expect(passing.passthroughHeaders).toEqual(['authorization']);
    const other = await connectClient(passing);
    await other.client.callTool({ name: 'echo', arguments: { message: 'b' }, _meta });
    const passed = posts(up, 'tools/call')[1]!;
    expect(passed.headers.authorization).toBe('Bearer client-token');
    expect((passed.body as { params: { _meta: unknown } }).params._meta).toEqual({ keep: 'me' });
    // Only on that call: the connection's other requests carry configured credentials only.
    expect(up.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([passed]);
  });

  it('re-initializes and resends when the upstream restarted mid-session (404)', async () => {
    const log = captureLog();
    const first = await upstream(1);
    const backend = remoteBackend(first.url, { log });
    const { client, listChanged } = await connectClient(backend);
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'before' } }))).toBe('gen1: before');

    await first.close();
    const second = await upstream(2, first.port);
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('gen2: after');
    expect(posts(second, 'initialize')).toHaveLength(1);
    expect(posts(second, 'notifications/initialized')).toHaveLength(1);
    // The call first went out on the old session (404), then again on the new one.
    const oldSession = posts(first, 'tools/call')[0]!.headers['mcp-session-id'];
    const [stale, resent] = posts(second, 'tools/call');
    if (stale === undefined || resent === undefined) throw new Error('expected two tools/call posts');
    expect(stale.headers['mcp-session-id']).toBe(oldSession);
    expect(typeof resent.headers['mcp-session-id']).toBe('string');
    expect(resent.headers['mcp-session-id']).not.toBe(oldSession);
    expect(resent.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
    await waitFor(() => listChanged() > 0, 'the client to be told tools may have changed');
    expect(log.lines.some((l) => l.msg === 'upstream MCP session lost: re-initializing')).toBe(true);
    expect(backend.health.state).toBe('ready');
  });

  it('resumes an interrupted response stream with Last-Event-ID', async () => {
    const up = await upstream();
    const backend = remoteBackend(up.url, { tuning: { resumeInitialMs: 20 } });
    const { client } = await connectClient(backend);
    expect(text(await client.callTool({ name: 'interrupted' }))).toBe('resumed');
    const resumed = up.requests.filter((r) => r.method === 'GET' && typeof r.headers['last-event-id'] === 'string');
    expect(resumed.length).toBeGreaterThan(0);
  });

  it('reports a down upstream and fails calls fast with a clear error', async () => {
    const up = await upstream();
    const backend = remoteBackend(up.url);
    const states: string[] = [];
    backend.health.subscribe((c) => states.push(c.state));
    const { client } = await connectClient(backend);
    let closed = false;
    client.onclose = () => void (closed = true);
    await up.close();

    const started = Date.now();
    const err = await client.callTool({ name: 'echo', arguments: { message: 'x' } }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/MCP server up1 \(.*ECONNREFUSED.* at http:\/\/127\.0\.0\.1:\d+\/mcp\) is unavailable/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(backend.health.state).toBe('down');
    await waitFor(() => closed, 'the connection to close so the router withdraws the tools');

    const again = Date.now();
    await expect(connectClient(backend)).rejects.toThrow(/is unavailable/);
    expect(Date.now() - again).toBeLessThan(1_000);
    expect(states).toEqual(['starting', 'ready', 'down']);
  });

  it('answers a request the upstream never finishes with a timeout error and cancels it upstream', async () => {
    const up = await upstream();
    const backend = remoteBackend(up.url, { tuning: { requestTimeoutMs: 300 } });
    const { client } = await connectClient(backend);
    const err = await client.callTool({ name: 'hang' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(ErrorCode.RequestTimeout);
    expect((err as McpError).message).toMatch(/MCP server up1 did not answer within 300 ms/);
    await waitFor(() => posts(up, 'notifications/cancelled').length === 1, 'the cancellation upstream');
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'ok' } }))).toBe('gen1: ok');
  });
});

describe('remote backend over HTTP+SSE', () => {
  it('calls tools, sends the protocol version and re-initializes after the upstream restarted', async () => {
    const first = await upstream(1);
    const backend = remoteBackend(first.sseUrl, { transport: 'sse', headers: { 'x-api-key': 'secret-2' } });
    const { client, listChanged } = await connectClient(backend);
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'before' } }))).toBe('gen1: before');
    const call = posts(first, 'tools/call')[0]!;
    expect(call.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
    expect(call.headers['x-api-key']).toBe('secret-2');

    await first.close();
    const second = await upstream(2, first.port);
    await waitFor(() => posts(second, 'notifications/initialized').length === 1, 'the session to be re-initialized');
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('gen2: after');
    expect(listChanged()).toBeGreaterThan(0);
    expect(backend.health.state).toBe('ready');
  });

  it('passes configured client credentials on that one tools/call only', async () => {
    const up = await upstream();
    const backend = remoteBackend(up.sseUrl, { transport: 'sse', tuning: { passthroughHeaders: ['authorization'] } });
    const { client } = await connectClient(backend);
    const _meta = { [PASSTHROUGH_AUTH_META_KEY]: { authorization: 'Bearer client-token' } };
    expect(text(await client.callTool({ name: 'echo', arguments: { message: 'a' }, _meta }))).toBe('gen1: a');
    await client.callTool({ name: 'echo', arguments: { message: 'b' } });
    const [passed, plain] = posts(up, 'tools/call');
    if (passed === undefined || plain === undefined) throw new Error('expected two tools/call posts');
    expect(passed.headers.authorization).toBe('Bearer client-token');
    expect(plain.headers.authorization).toBeUndefined();
    expect(up.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([passed]);
  });
});

describe('the upstream fetch of the SSE transport', () => {
  it('leaves no abort listener on the connection-wide signal once each response is read', async () => {
    const up = await upstream();
    const agent = new Agent({ connect: { timeout: 2000 }, headersTimeout: 2000 });
    cleanup.push(() => agent.close());
    const upstreamFetch = createUpstreamFetch(agent);
    // The SDK transport passes one signal to every request of a connection; undici alone keeps a listener per call.
    const connection = new AbortController();
    for (let i = 0; i < 20; i++) {
      const res = await upstreamFetch(up.url, { method: 'GET', signal: connection.signal });
      await res.text();
    }
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0);
  });
});
