import { join } from 'node:path';
import { Client as V2Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema, ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Registry } from '../../../../../registry/index.js';
import type { TestGateway } from '../../../../helpers/gateway.js';
import { rpcMessages } from '../../../../helpers/mcp.js';
import { envelope, META, MODERN, modernPost } from '../../../../helpers/mcp-modern.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startReplicas, stopReplicas } from '../../../../helpers/replicas.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from '../../../../helpers/round-robin-balancer.js';
import type { ServeProcess } from '../../../../helpers/serve.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

// Multi round-trip requests (2026-07-28 MRTR, basic/patterns/mrtr.mdx) across replicas (issue 16): a 2025 member's
// call that asked the client something waits on the replica that made it; a retry the balancer sends to another
// replica is continued there, through Redis, and answered where it arrived. Expected results are what the member
// (the v1 SDK, a real remote server) computes from the answers the client gave.

const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;

/** A 2025 member whose tools ask the client: one question, two of different kinds in turn, or one then progress. */
function askerServer(): McpServer {
  const s = new McpServer({ name: 'asker', version: '1.0.0' }, { capabilities: { tools: {} } });
  const reply = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  const form = (message: string) => ({
    method: 'elicitation/create' as const,
    params: { message, requestedSchema: { type: 'object' as const, properties: { name: { type: 'string' as const } }, required: ['name'] } },
  });
  s.registerTool('confirm', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const r = await extra.sendRequest(form(`${who}, your name?`), ElicitResultSchema);
    return reply(`${who}:${r.action}:${String(r.content?.name ?? '')}`);
  });
  s.registerTool('interview', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const e = await extra.sendRequest(form(`${who}, your city?`), ElicitResultSchema);
    const question = { role: 'user' as const, content: { type: 'text' as const, text: `capital of ${String(e.content?.name)}?` } };
    const m = await extra.sendRequest({ method: 'sampling/createMessage', params: { messages: [question], maxTokens: 10 } }, CreateMessageResultSchema);
    return reply(`${who}:${String(e.content?.name)}:${m.content.type === 'text' ? m.content.text : '?'}`);
  });
  s.registerTool('steps', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const r = await extra.sendRequest(form(`${who}, go on?`), ElicitResultSchema);
    const token = extra._meta?.progressToken;
    if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 1 } });
    return reply(`${who} stepped:${String(r.content?.name)}`);
  });
  s.registerTool('slow', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const r = await extra.sendRequest(form(`${who}, slowly?`), ElicitResultSchema);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    return reply(`${who} slow:${String(r.content?.name)}`);
  });
  s.registerTool('hang', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    await extra.sendRequest(form(`${who}, wait?`), ElicitResultSchema);
    await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve()));
    control.cancelled++;
    return reply('cancelled');
  });
  return s;
}

const ASKS = { elicitation: {}, sampling: {} };
const control = { cancelled: 0 };

describe.skipIf(skipWithoutRedis)('MRTR exchanges across replicas (Redis, no sticky balancing)', () => {
  let redis: TestRedis;
  let remote: RemoteMcpUpstream;
  let replicas: ServeProcess[] = [];
  let balancer: RoundRobinBalancer;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];
  const dir = tempDir('agate-mrtr-replicas-');

  beforeAll(async () => {
    redis = await startTestRedis();
    remote = await startRemoteMcpUpstream(1, 0, { server: askerServer });
    const db = join(dir.dir, 'agate.db');
    const registry = Registry.open(db);
    registry.mcpServers.create({ name: 'asker', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} }, enabled: true } as never, 'cli');
    for (const name of ['alice', 'bob']) {
      registry.consumers.store.create({ name }, 'cli');
      keys[name] = registry.consumers.issueKey(name, 'cli').key;
    }
    registry.close();
    replicas = await startReplicas(db, 2, redis.url);
    balancer = await startRoundRobinBalancer(replicas.map((r) => r.url));
  }, 120_000);

  afterAll(async () => {
    if (process.env.AGATE_TEST_STDERR) for (const r of replicas) console.log(r.stderr());
    await Promise.allSettled(open.map((c) => c.close()));
    await balancer?.close();
    await stopReplicas(replicas);
    await remote?.close();
    await redis?.close();
    dir.cleanup();
  });

  /** A raw 2026 tools/call as `who` on replica `at`, with continuation params when given. */
  const call = (at: number, who: string, tool: string, more: Record<string, unknown> = {}, id = 1, meta: Record<string, unknown> = {}) =>
    modernPost({ url: replicas[at]!.url } as TestGateway, 'asker', { id, method: 'tools/call', params: { name: tool, arguments: { who }, ...more, _meta: envelope({ [META.clientCapabilities]: ASKS, ...meta }) } }, { 'x-api-key': keys[who]! });

  /** The one question of an input_required answer. */
  function asked(res: Awaited<ReturnType<typeof call>>) {
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.result?.resultType, JSON.stringify(res.json)).toBe('input_required');
    const [key, request] = Object.entries(res.json.result.inputRequests as Record<string, { params: { message: string } }>)[0]!;
    return { key, message: request.params.message, state: res.json.result.requestState as string };
  }

  const answer = (key: string, name: string) => ({ [key]: { action: 'accept', content: { name } } });
  const callsOf = (tool: string) => remote.requests.filter((r) => (r.body as { params?: { name?: string } })?.params?.name === tool);

  it('a retry on the other replica continues the member’s call where it waits; alice and bob at once, crossed', async () => {
    const before = callsOf('confirm').length;
    const [a, b] = await Promise.all([call(0, 'alice', 'confirm'), call(1, 'bob', 'confirm')]).then((r) => r.map(asked));
    expect(a!.message).toBe('alice, your name?');
    expect(b!.message).toBe('bob, your name?');
    const [doneA, doneB] = await Promise.all([
      call(1, 'alice', 'confirm', { inputResponses: answer(a!.key, 'Alice'), requestState: a!.state }, 2),
      call(0, 'bob', 'confirm', { inputResponses: answer(b!.key, 'Bob'), requestState: b!.state }, 2),
    ]);
    expect(doneA.json.id).toBe(2);
    expect(doneA.json.result?.resultType, JSON.stringify(doneA.json)).toBe('complete');
    expect(text(doneA.json.result)).toBe('alice:accept:Alice');
    expect(text(doneB.json.result)).toBe('bob:accept:Bob');
    // Each call reached the member once: the retries continued the waiting calls, they did not start new ones.
    expect(callsOf('confirm').length - before).toBe(2);
    // The owner's refusal comes back through the relay: alice's spent state, replayed on the replica that forwarded it.
    const replay = await call(1, 'alice', 'confirm', { inputResponses: answer(a!.key, 'Again'), requestState: a!.state }, 3);
    expect(replay.status).toBe(400);
    expect(replay.json.error.data.code).toBe('GW_ERR_MCP_REQUEST_STATE_REPLAYED');
    // bob cannot continue alice's exchange from either replica: her state is sealed for her.
    const first = asked(await call(0, 'alice', 'confirm'));
    for (const at of [0, 1]) {
      const stolen = await call(at, 'bob', 'confirm', { inputResponses: answer(first.key, 'mallory'), requestState: first.state }, 4);
      expect(stolen.json.error.data.code).toBe('GW_ERR_MCP_REQUEST_STATE_INVALID');
    }
    const mine = await call(1, 'alice', 'confirm', { inputResponses: answer(first.key, 'Alice2'), requestState: first.state }, 5);
    expect(text(mine.json.result)).toBe('alice:accept:Alice2');
  });

  it('a relayed round streams: the retry’s progress, under the retry’s own token, then the result (SSE)', async () => {
    // The member reports progress under the token of the request it runs (the first); agate retells it under the retry's.
    const first = asked(await call(0, 'alice', 'steps', {}, 8, { progressToken: 'p-8' }));
    const retry = await fetch(`${replicas[1]!.url}/mcp/asker`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'steps', 'x-api-key': keys.alice! },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'steps', arguments: { who: 'alice' }, inputResponses: answer(first.key, 'yes'), requestState: first.state, _meta: envelope({ [META.clientCapabilities]: ASKS, progressToken: 'p-9' }) },
      }),
    });
    expect(retry.headers.get('content-type')).toContain('text/event-stream');
    const messages = (await rpcMessages(retry)) as Array<{ method?: string; params?: { progressToken?: unknown }; id?: number; result?: unknown }>;
    expect(messages.map((m) => m.method ?? `result ${m.id}`)).toEqual(['notifications/progress', 'result 9']);
    expect(messages[0]!.params!.progressToken).toBe('p-9');
    expect(text(messages[1]!.result)).toBe('alice stepped:yes');
  });

  it('a member that thinks longer than the relay’s first-answer wait after the answer still completes the relayed retry', async () => {
    const first = asked(await call(1, 'bob', 'slow'));
    const done = await call(0, 'bob', 'slow', { inputResponses: answer(first.key, 'Bob'), requestState: first.state }, 2);
    expect(text(done.json.result), JSON.stringify(done.json)).toBe('bob slow:Bob');
  });

  it('closing a relayed retry’s stream cancels the member’s call on the replica holding it', async () => {
    const first = asked(await call(0, 'alice', 'hang'));
    const abort = new AbortController();
    const retry = fetch(`${replicas[1]!.url}/mcp/asker`, {
      method: 'POST',
      signal: abort.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'hang', 'x-api-key': keys.alice! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'hang', arguments: { who: 'alice' }, inputResponses: answer(first.key, 'x'), requestState: first.state, _meta: envelope({ [META.clientCapabilities]: ASKS }) } }),
    }).catch((err: unknown) => err);
    // The member has its answer once it waits for the abort; then the client goes away.
    await new Promise((r) => setTimeout(r, 300));
    expect(control.cancelled).toBe(0);
    abort.abort();
    await retry;
    const deadline = Date.now() + 5_000;
    while (control.cancelled === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(control.cancelled).toBe(1);
  });

  it('the v2 SDK client through a round-robin balancer: several rounds each, alice and bob at once', async () => {
    async function user(who: string) {
      const client = new V2Client({ name: who, version: '1' }, { capabilities: ASKS, versionNegotiation: { mode: { pin: MODERN } } });
      client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: `${who}-city` } }));
      client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: `${who}-capital` }, model: 'm', stopReason: 'endTurn' }));
      await client.connect(new StreamableHTTPClientTransport(new URL(`${balancer.url}/mcp/asker`), { requestInit: { headers: { 'x-api-key': keys[who]! } } }));
      open.push(client);
      return client;
    }
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const served = balancer.log.length;
    const [a, b] = await Promise.all([alice.callTool({ name: 'interview', arguments: { who: 'alice' } }), bob.callTool({ name: 'interview', arguments: { who: 'bob' } })]);
    expect(text(a)).toBe('alice:alice-city:alice-capital');
    expect(text(b)).toBe('bob:bob-city:bob-capital');
    // Three requests per call (the first and two retries), spread over both replicas.
    const backends = new Set(balancer.log.slice(served).map((r) => r.backend));
    expect(backends.size).toBe(2);
  });

  it('the replica holding the exchange is gone: the retry is refused at once with GW_ERR_MCP_EXCHANGE_NOT_HERE (409), no hang', async () => {
    const first = asked(await call(0, 'bob', 'confirm'));
    await replicas[0]!.stop('SIGKILL');
    const started = Date.now();
    const retry = await call(1, 'bob', 'confirm', { inputResponses: answer(first.key, 'Bob'), requestState: first.state }, 2);
    expect(retry.status).toBe(409);
    expect(retry.json.error.data.code).toBe('GW_ERR_MCP_EXCHANGE_NOT_HERE');
    expect(retry.json.error.message).toContain('did not answer');
    expect(Date.now() - started).toBeLessThan(5_000);
    // A fresh call works on the replica left.
    expect(asked(await call(1, 'bob', 'confirm')).message).toBe('bob, your name?');
  });
});
