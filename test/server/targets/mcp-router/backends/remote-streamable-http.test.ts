import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LATEST_PROTOCOL_VERSION, ToolListChangedNotificationSchema, type JSONRPCMessage, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageTooLargeError, isSessionGone, isUnreachable } from '../../../../../server/targets/mcp-router/backends/remote-errors.js';
import { StreamableHttpUpstream } from '../../../../../server/targets/mcp-router/backends/remote-streamable-http.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { startRemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

function transport(url: string, headers: Record<string, string> = {}, maxMessageBytes = 4 * 1024 * 1024): StreamableHttpUpstream {
  const agent = new Agent({ connect: { timeout: 2_000 }, headersTimeout: 5_000, bodyTimeout: 0 });
  cleanup.push(() => agent.close());
  const t = new StreamableHttpUpstream({ name: 'up1', url: new URL(url), dispatcher: agent, headers, resumeRetries: 3, resumeInitialMs: 20, maxMessageBytes });
  cleanup.push(() => t.close());
  return t;
}

async function connect(t: StreamableHttpUpstream): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(t);
  cleanup.push(() => client.close());
  return client;
}

interface Seen {
  method: string;
  headers: IncomingMessage['headers'];
  body?: { method?: string; id?: number };
}

/** A hand-written Streamable HTTP server on 127.0.0.1: `answer` plays the upstream, every request is recorded. */
async function scriptedServer(answer: (seen: Seen, res: ServerResponse) => void | Promise<void>): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const entry: Seen = { method: req.method ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as Seen['body']) : undefined };
      seen.push(entry);
      void answer(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, seen };
}

/** A URL on 127.0.0.1 where nothing listens. */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/mcp`;
}

const initializeResult = (id: number) => ({
  jsonrpc: '2.0',
  id,
  result: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } },
});
const tool = { name: 'echo', inputSchema: { type: 'object' } };

/** Writes `piece` again and again, as fast as the client reads, until the client goes away; returns what it wrote. */
function flood(res: ServerResponse, piece: string): { written: number } {
  const count = { written: 0 };
  let open = true;
  res.on('close', () => (open = false));
  const pump = (): void => {
    while (open) {
      count.written += piece.length;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
  };
  pump();
  return count;
}

describe('the Streamable HTTP upstream transport', () => {
  it('reads JSON answers, batches, 202 and an event stream written one byte per chunk; GET 405 is no stream; DELETE on close', async () => {
    const { url, seen } = await scriptedServer(async ({ method, body }, res) => {
      if (method === 'GET') return void res.writeHead(405).end();
      if (method === 'DELETE') return void res.writeHead(200).end();
      const json = (status: number, value?: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'mcp-session-id': 's1' }).end(value ? JSON.stringify(value) : undefined);
      if (body?.method === 'initialize') return void json(200, initializeResult(body.id!));
      if (body?.id === undefined) return void res.writeHead(202).end();
      if (body.method === 'tools/list') {
        const notice = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'listing' } };
        return void json(200, [notice, { jsonrpc: '2.0', id: body.id, result: { tools: [tool] } }]);
      }
      const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: body.id, progress: 1, total: 1 } };
      const result = { jsonrpc: '2.0', id: body.id, result: { content: [{ type: 'text', text: 'ünïcode ✓' }] } };
      const events = `id: p0\nretry: 10\ndata: \n\n: keep-alive\n\nevent: message\nid: p1\ndata: ${JSON.stringify(progress)}\n\nid: p2\ndata: ${JSON.stringify(result)}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from(events);
      for (let i = 0; i < bytes.length; i++) {
        res.write(bytes.subarray(i, i + 1));
        if (i % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const t = transport(url, { 'X-Api-Key': 'k1' });
    const client = await connect(t);
    expect(t.sessionId).toBe('s1');

    expect((await client.listTools()).tools.map((x) => x.name)).toEqual(['echo']);
    const progress: Progress[] = [];
    const result = await client.callTool({ name: 'echo', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
    expect(result.content).toEqual([{ type: 'text', text: 'ünïcode ✓' }]);
    expect(progress).toEqual([{ progress: 1, total: 1 }]);

    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts.map((p) => p.body?.method)).toEqual(['initialize', 'notifications/initialized', 'tools/list', 'tools/call']);
    expect(posts[0]!.headers['mcp-session-id']).toBeUndefined();
    for (const post of posts) {
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers.accept).toBe('application/json, text/event-stream');
      expect(post.headers['x-api-key']).toBe('k1');
    }
    expect(posts[3]!.headers['mcp-session-id']).toBe('s1');
    expect(posts[3]!.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
    // One GET for the standalone stream, refused with 405 and not retried.
    const gets = () => seen.filter((s) => s.method === 'GET');
    expect(gets()).toHaveLength(1);
    expect(gets()[0]!.headers.accept).toBe('text/event-stream');

    await client.close();
    const deletes = seen.filter((s) => s.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.headers['mcp-session-id']).toBe('s1');
    expect(gets()).toHaveLength(1);
    expect(t.openRequests).toBe(0);
  });

  it('takes a 404 to the first GET as no standalone stream (a server that routes only POST), not as a lost session', async () => {
    const { url, seen } = await scriptedServer(({ method, body }, res) => {
      if (method === 'GET') return void res.writeHead(404, { 'content-type': 'text/html' }).end('Cannot GET /mcp');
      if (body?.id === undefined) return void res.writeHead(202).end();
      const answer = body.method === 'initialize' ? initializeResult(body.id) : { jsonrpc: '2.0', id: body.id, result: { tools: [tool] } };
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's3' }).end(JSON.stringify(answer));
    });
    const client = await connect(transport(url));
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    await waitFor(() => seen.some((s) => s.method === 'GET'), 'the standalone stream to be asked for');
    expect((await client.listTools()).tools).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(errors).toEqual([]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
  });

  it('fails with errors the remote backend can tell apart: session gone, HTTP error, unreachable', async () => {
    let status = 200;
    const { url, seen } = await scriptedServer(({ body }, res) => {
      if (status !== 200) return void res.writeHead(status, { 'content-type': 'text/plain' }).end('boom\n  at upstream');
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's2' }).end(JSON.stringify(initializeResult(body!.id!)));
    });
    const t = transport(url);
    await t.start();
    const answers: JSONRPCMessage[] = [];
    t.onmessage = (m) => answers.push(m);
    await t.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    expect(answers).toHaveLength(1);

    status = 500;
    const serverError = await t.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' }).then(() => undefined, (e: Error) => e);
    // The body is for the log (detail), never the message the client sees (remote-error-bodies.test.ts).
    expect(serverError).toMatchObject({ message: 'MCP server "up1" answered POST with HTTP 500', detail: 'boom at upstream' });
    expect(isSessionGone(serverError)).toBe(false);
    expect(isUnreachable(serverError)).toBe(false);

    status = 404;
    const gone = await t.send({ jsonrpc: '2.0', id: 3, method: 'tools/list' }).then(() => undefined, (e: Error) => e);
    expect(isSessionGone(gone)).toBe(true);
    expect(isUnreachable(gone)).toBe(false);
    // The upstream forgot the session: nothing to end with DELETE.
    await t.close();
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);

    const fresh = transport(url);
    await fresh.start();
    const notFound = await fresh.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }).then(() => undefined, (e: Error) => e);
    expect(isSessionGone(notFound)).toBe(false); // 404 without a session: a wrong URL, not a forgotten session

    const refused = transport(await refusingUrl());
    await refused.start();
    const unreachable = await refused.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }).then(() => undefined, (e: Error) => e);
    expect(isUnreachable(unreachable)).toBe(true);
    expect(isSessionGone(unreachable)).toBe(false);
    expect(unreachable?.message).toMatch(/ECONNREFUSED/);
  });

  it('resumes a response stream cut mid-way with Last-Event-ID, losing and repeating nothing', async () => {
    const up = await startRemoteMcpUpstream();
    cleanup.push(() => up.close());
    const client = await connect(transport(up.url));
    const progress: number[] = [];
    const result = await client.callTool({ name: 'cut' }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(result.content).toEqual([{ type: 'text', text: 'survived the cut' }]);
    expect(progress).toEqual([1, 2]);
    const resumed = up.requests.filter((r) => r.method === 'GET' && r.headers['last-event-id'] !== undefined);
    expect(resumed).toHaveLength(1);
    expect(typeof resumed[0]!.headers['mcp-session-id']).toBe('string');
  });

  it('reopens the standalone stream with Last-Event-ID when the upstream closes it, and gets what it missed', async () => {
    const up = await startRemoteMcpUpstream();
    cleanup.push(() => up.close());
    const client = await connect(transport(up.url));
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
    await waitFor(() => up.requests.some((r) => r.method === 'GET'), 'the standalone stream to open');
    expect((await client.callTool({ name: 'drop-standalone' })).content).toEqual([{ type: 'text', text: 'dropped' }]);
    await waitFor(() => changes === 2, 'the notification sent while the stream was closed');
    const gets = up.requests.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[0]!.headers['last-event-id']).toBeUndefined();
    expect(typeof gets[1]!.headers['last-event-id']).toBe('string');
  });

  it('keeps nothing per call: 2,000 calls on one session leave only the standalone stream open, and no warning', async () => {
    const up = await startRemoteMcpUpstream();
    cleanup.push(() => up.close());
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    cleanup.push(async () => void process.off('warning', onWarning));
    const t = transport(up.url);
    const client = await connect(t);
    await waitFor(() => up.requests.some((r) => r.method === 'GET'), 'the standalone stream to open');
    let next = 0;
    const worker = async () => {
      while (next < 2_000) {
        const n = next++;
        const r = await client.callTool({ name: 'echo', arguments: { message: `m${n}` } });
        expect((r.content as Array<{ text: string }>)[0]!.text).toBe(`gen1: m${n}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await waitFor(() => t.openRequests === 1, 'every call to release its request');
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  }, 60_000);

  it('holds no more than maxMessageBytes of an answer: an endless JSON body or event fails its request, the session goes on', async () => {
    const limit = 64 * 1024;
    const floods: Array<{ written: number }> = [];
    let standalone: ServerResponse | undefined;
    const { url } = await scriptedServer(({ method, body }, res) => {
      if (method === 'DELETE') return void res.writeHead(200).end();
      if (method === 'GET') {
        standalone = res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.write(': open\n\n');
      }
      if (body?.id === undefined) return void res.writeHead(202).end();
      const answer = body.method === 'initialize' ? initializeResult(body.id) : { jsonrpc: '2.0', id: body.id, result: { tools: [tool] } };
      const name = (body as { params?: { name?: string } }).params?.name;
      if (name === 'endless-json') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's4' });
        res.write(`{"jsonrpc":"2.0","id":${body.id},"result":{"content":[{"type":"text","text":"`);
        return void floods.push(flood(res, 'x'.repeat(16 * 1024)));
      }
      if (name === 'endless-error') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return void floods.push(flood(res, 'oops '.repeat(1024)));
      }
      if (name === 'endless-event') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's4' });
        res.write(`id: e1\ndata: {"jsonrpc":"2.0","id":${body.id},"result":{"content":[{"type":"text","text":"`);
        return void floods.push(flood(res, 'x'.repeat(16 * 1024)));
      }
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's4' }).end(JSON.stringify(answer));
    });
    const t = transport(url, {}, limit);
    await t.start();
    const answers: JSONRPCMessage[] = [];
    const errors: Error[] = [];
    t.onmessage = (m) => answers.push(m);
    t.onerror = (e) => errors.push(e);
    await t.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    await t.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await waitFor(() => standalone, 'the standalone stream to open');

    // No Content-Length, and no end: the send fails once the limit is passed, naming the server, limit and request.
    const json = await t.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'endless-json' } }).then(() => undefined, (e: Error) => e);
    expect(json).toBeInstanceOf(MessageTooLargeError);
    expect(json).toMatchObject({ message: 'MCP server "up1" sent a message larger than 65536 bytes (maxMessageBytes)', limit, requestId: 2 });

    // Nor is more read of an error page than its message needs.
    const failed = await t.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'endless-error' } }).then(() => undefined, (e: Error) => e);
    expect(failed?.message).toBe('MCP server "up1" answered POST with HTTP 500');
    expect((failed as { detail?: string }).detail).toMatch(/^oops oops .*…$/);

    // An event stream's event that never ends: reported with its request, and the stream is dropped.
    await t.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'endless-event' } });
    await waitFor(() => errors.length === 1, 'the oversized event to be reported');
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError);
    expect(errors[0]).toMatchObject({ limit, requestId: 4 });

    // The floods stop: the client closed each connection instead of reading on.
    await waitFor(() => floods.length === 3 && floods.every((f) => f.written > 0), 'the floods to start');
    const written = floods.map((f) => f.written);
    await new Promise((r) => setTimeout(r, 100));
    expect(floods.map((f) => f.written)).toEqual(written);

    // The standalone stream skips an oversized event and delivers the next one; the session still answers.
    standalone!.write(`id: s1\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'y'.repeat(limit) } })}\n\n`);
    standalone!.write(`id: s2\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'small' } })}\n\n`);
    await waitFor(() => answers.some((m) => 'method' in m && m.method === 'notifications/message'), 'the small notification');
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ limit, requestId: undefined });
    await t.send({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
    expect(answers.map((m) => ('id' in m ? m.id : 'method' in m ? m.method : '?'))).toEqual([1, 'notifications/message', 5]);
    expect(t.openRequests).toBe(1);
  });
});
