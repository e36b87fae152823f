import { Client as V2Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema, ElicitResultSchema, ListRootsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, rpcMessages } from '../../../../helpers/mcp.js';
import { envelope, META, MODERN, modernPost } from '../../../../helpers/mcp-modern.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startHealthzProbe } from '../../../../helpers/loop-probe.js';

// MRTR bridging, 2026-07-28 client → 2025 member (issue #15): a 2025 member that asks the client something
// (elicitation/create, sampling/createMessage, roots/list) during a tools/call is answered through input_required
// results (basic/patterns/mrtr.mdx): agate parks the member's call, hands the client the member's requests with a
// sealed requestState, and answers the member with the client's inputResponses on the retry. Expected results are
// what the member (the v1 SDK, a real remote server) computes from the answers the client gave.

const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;
const control = { cancelled: 0 };

/** A 2025 member whose tools ask the client: one question, three of different kinds in turn, or one it never gets answered. */
function askerServer(): McpServer {
  const s = new McpServer({ name: 'asker', version: '1.0.0' }, { capabilities: { tools: {}, resources: {}, prompts: {} } });
  const reply = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  const form = (message: string, field: string) => ({
    method: 'elicitation/create' as const,
    params: { message, requestedSchema: { type: 'object' as const, properties: { [field]: { type: 'string' as const } }, required: [field] } },
  });
  s.registerTool('confirm', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const r = await extra.sendRequest(form(`${who}, your name?`, 'name'), ElicitResultSchema);
    return reply(`${who}:${r.action}:${String(r.content?.name ?? '')}`);
  });
  s.registerTool('interview', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const e = await extra.sendRequest(form(`${who}, your city?`, 'city'), ElicitResultSchema);
    const question = { role: 'user' as const, content: { type: 'text' as const, text: `capital of ${String(e.content?.city)}?` } };
    const m = await extra.sendRequest({ method: 'sampling/createMessage', params: { messages: [question], maxTokens: 10 } }, CreateMessageResultSchema);
    const roots = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
    const said = m.content.type === 'text' ? m.content.text : '?';
    return reply(`${who}:${String(e.content?.city)}:${said}:${roots.roots.map((r) => r.uri).join(',')}`);
  });
  s.registerResource('secret', 'asker://secret', { mimeType: 'text/plain' }, async (uri, extra) => {
    const r = await extra.sendRequest(form('whose secret?', 'name'), ElicitResultSchema);
    return { contents: [{ uri: uri.href, text: `secret of ${String(r.content?.name)}` }] };
  });
  s.registerPrompt('greet', { argsSchema: { who: z.string() } }, async ({ who }, extra) => {
    const r = await extra.sendRequest(form(`${who}, your mood?`, 'name'), ElicitResultSchema);
    return { messages: [{ role: 'user', content: { type: 'text', text: `${who} feels ${String(r.content?.name)}` } }] };
  });
  s.registerTool('steps', {}, async (extra) => {
    await extra.sendRequest(form('go on?', 'x'), ElicitResultSchema);
    const token = extra._meta?.progressToken;
    if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 1 } });
    return reply('stepped');
  });
  s.registerTool('stall', {}, async (extra) => {
    extra.signal.addEventListener('abort', () => control.cancelled++);
    await extra.sendRequest(form('never answered', 'x'), ElicitResultSchema, { signal: extra.signal });
    return reply('answered');
  });
  return s;
}

const ASKS = { elicitation: {}, sampling: {}, roots: {} };

describe('MRTR bridge: 2026-07-28 clients, 2025 members that ask', () => {
  let remote: RemoteMcpUpstream;
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    remote = await startRemoteMcpUpstream(1, 0, { server: askerServer });
    gw = await startTestGateway({ gateway: { mcp: { maxPendingInputsPerClient: 2 } } });
    for (const name of ['alice', 'bob', 'carol']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'asker', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} } });
    await waitFor(() => gw.registry.memberEras.get('asker')?.era === 'legacy', "asker's era probed", 15_000);
  }, 30_000);
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await remote?.close();
  });

  /** A v2 SDK client pinned to 2026-07-28 that answers each kind of question as `who`, and records what it was asked. */
  async function user(who: string) {
    const asked: string[] = [];
    const client = new V2Client({ name: who, version: '1' }, { capabilities: ASKS, versionNegotiation: { mode: { pin: MODERN } } });
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { name: `${who}-name`, city: `${who}-city` } };
    });
    client.setRequestHandler('sampling/createMessage', async (req) => {
      const q = req.params.messages[0]!.content as { type: string; text?: string };
      asked.push(q.text ?? '?');
      return { role: 'assistant', content: { type: 'text', text: `${who}-capital` }, model: 'test-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler('roots/list', async () => {
      asked.push('roots');
      return { roots: [{ uri: `file:///home/${who}`, name: who }] };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/asker`), { requestInit: { headers: { 'x-api-key': keys[who]! } } }));
    open.push(client);
    return { client, asked };
  }

  const callsOf = (tool: string) => remote.requests.filter((r) => (r.body as { method?: string; params?: { name?: string } })?.params?.name === tool);

  it('the v2 SDK client answers a member’s elicitation through input_required; alice and bob at once each get their own question', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const [a, b] = await Promise.all([
      alice.client.callTool({ name: 'confirm', arguments: { who: 'alice' } }),
      bob.client.callTool({ name: 'confirm', arguments: { who: 'bob' } }),
    ]);
    expect(text(a)).toBe('alice:accept:alice-name');
    expect(text(b)).toBe('bob:accept:bob-name');
    expect(alice.asked).toEqual(['alice, your name?']);
    expect(bob.asked).toEqual(['bob, your name?']);
  });

  it('several rounds (elicitation, then sampling, then roots) in one call, for two users at once', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const [a, b] = await Promise.all([
      alice.client.callTool({ name: 'interview', arguments: { who: 'alice' } }),
      bob.client.callTool({ name: 'interview', arguments: { who: 'bob' } }),
    ]);
    expect(text(a)).toBe('alice:alice-city:alice-capital:file:///home/alice');
    expect(text(b)).toBe('bob:bob-city:bob-capital:file:///home/bob');
    expect(alice.asked).toEqual(['alice, your city?', 'capital of alice-city?', 'roots']);
    expect(bob.asked).toEqual(['bob, your city?', 'capital of bob-city?', 'roots']);
    // The member ran each call once: the retries continued it, they did not start it again.
    expect(callsOf('interview')).toHaveLength(2);
  });

  it('resources/read and prompts/get are bridged too (mrtr.mdx §Supported Requests)', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const [read, prompt] = await Promise.all([alice.client.readResource({ uri: 'asker://secret' }), bob.client.getPrompt({ name: 'greet', arguments: { who: 'bob' } })]);
    expect((read.contents[0] as { text: string }).text).toBe('secret of alice-name');
    expect((prompt.messages[0]!.content as { text: string }).text).toBe('bob feels bob-name');
    expect(alice.asked).toEqual(['whose secret?']);
    expect(bob.asked).toEqual(['bob, your mood?']);
  });

  /** A raw 2026 tools/call as `who` that declared every kind of input, with continuation params when given. */
  const call = (who: string, tool: string, more: Record<string, unknown> = {}, id: number = 1) =>
    modernPost(gw, 'asker', { id, method: 'tools/call', params: { name: tool, arguments: { who }, ...more, _meta: envelope({ [META.clientCapabilities]: ASKS }) } }, { 'x-api-key': keys[who]! });

  /** The one input request of an input_required answer, checked against mrtr.mdx §InputRequiredResult. */
  function asked(res: Awaited<ReturnType<typeof call>>) {
    expect(res.status).toBe(200);
    expect(res.json.result?.resultType, JSON.stringify(res.json)).toBe('input_required');
    expect(typeof res.json.result.requestState).toBe('string');
    const entries = Object.entries(res.json.result.inputRequests as Record<string, { method: string; params: { message: string } }>);
    expect(entries).toHaveLength(1);
    const [key, request] = entries[0]!;
    return { key, request, state: res.json.result.requestState as string };
  }

  const refused = (res: Awaited<ReturnType<typeof call>>, code: string, status = 400, rpc = -32602) => {
    expect(res.json.result, JSON.stringify(res.json)).toBeUndefined();
    expect(res.json.error.data.code).toBe(code);
    expect(res.json.error.code).toBe(rpc);
    expect(res.status).toBe(status);
  };

  it('raw: input_required carries the member’s own request; the retry (new id) gets the final result; a replay is refused', async () => {
    const first = asked(await call('alice', 'confirm'));
    expect(first.request).toEqual({
      method: 'elicitation/create',
      params: { message: 'alice, your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    });
    const retry = await call('alice', 'confirm', { inputResponses: { [first.key]: { action: 'accept', content: { name: 'Alice' } } }, requestState: first.state }, 2);
    expect(retry.json.id).toBe(2);
    expect(retry.json.result.resultType).toBe('complete');
    expect(text(retry.json.result)).toBe('alice:accept:Alice');
    // What reached the member never carried the continuation params: they are this hop's (2026), not the member's.
    for (const r of callsOf('confirm')) expect(Object.keys((r.body as { params: object }).params)).not.toContain('requestState');
    refused(await call('alice', 'confirm', { inputResponses: { [first.key]: { action: 'accept', content: { name: 'Again' } } }, requestState: first.state }, 3), 'GW_ERR_MCP_REQUEST_STATE_REPLAYED');
  });

  it('raw: alice’s requestState is useless to bob, forged and tampered ones are refused, and alice’s exchange survives them', async () => {
    const before = callsOf('confirm').length;
    const [a, b] = (await Promise.all([call('alice', 'confirm'), call('bob', 'confirm')])).map(asked);
    expect(a!.request.params.message).toBe('alice, your name?');
    expect(b!.request.params.message).toBe('bob, your name?');
    const answer = (key: string, name: string) => ({ [key]: { action: 'accept', content: { name } } });
    refused(await call('bob', 'confirm', { inputResponses: answer(a!.key, 'mallory'), requestState: a!.state }), 'GW_ERR_MCP_REQUEST_STATE_INVALID');
    const flipped = a!.state.slice(0, -2) + (a!.state.at(-2) === 'A' ? 'B' : 'A') + a!.state.at(-1);
    refused(await call('alice', 'confirm', { inputResponses: answer(a!.key, 'mallory'), requestState: flipped }), 'GW_ERR_MCP_REQUEST_STATE_INVALID');
    for (const forged of ['', 'garbage', 'v1.AAAA.BBBB.CCCC', 'v1....']) {
      refused(await call('alice', 'confirm', { inputResponses: answer(a!.key, 'mallory'), requestState: forged }), 'GW_ERR_MCP_REQUEST_STATE_INVALID');
    }
    refused(await call('alice', 'confirm', { inputResponses: answer(a!.key, 'x'), requestState: 42 }), 'GW_ERR_MCP_REQUEST_STATE_INVALID');
    refused(await call('alice', 'confirm', { inputResponses: 'yes', requestState: a!.state }), 'GW_ERR_MCP_INVALID_PARAMS');
    // Another request's state: alice's confirm state on interview.
    refused(await call('alice', 'interview', { inputResponses: answer(a!.key, 'x'), requestState: a!.state }), 'GW_ERR_MCP_REQUEST_STATE_INVALID');
    const [doneA, doneB] = await Promise.all([
      call('alice', 'confirm', { inputResponses: answer(a!.key, 'Alice'), requestState: a!.state }, 7),
      call('bob', 'confirm', { inputResponses: answer(b!.key, 'Bob'), requestState: b!.state }, 8),
    ]);
    expect(text(doneA.json.result)).toBe('alice:accept:Alice');
    expect(text(doneB.json.result)).toBe('bob:accept:Bob');
    // No refused retry reached the member: one call each.
    expect(callsOf('confirm').length - before).toBe(2);
  });

  it('raw: inputResponses without requestState are dropped, the request runs from scratch and the member asks again', async () => {
    const res = await call('carol', 'confirm', { inputResponses: { whatever: { action: 'accept', content: { name: 'injected' } } } });
    const again = asked(res);
    expect(again.request.params.message).toBe('carol, your name?');
    const last = callsOf('confirm').at(-1)!;
    expect(Object.keys((last.body as { params: object }).params)).not.toContain('inputResponses');
    const done = await call('carol', 'confirm', { inputResponses: { [again.key]: { action: 'decline' } }, requestState: again.state }, 2);
    expect(text(done.json.result)).toBe('carol:decline:');
  });

  it('progress during a retry carries the retry’s own progressToken, not the first request’s', async () => {
    const post = async (id: number, params: Record<string, unknown>) => {
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'steps', 'x-api-key': keys.alice! };
      return rpcMessages(await fetch(`${gw.url}/mcp/asker`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }) }));
    };
    const meta = (progressToken: string) => envelope({ [META.clientCapabilities]: ASKS, progressToken });
    const first = (await post(1, { name: 'steps', arguments: {}, _meta: meta('first-token') })).at(-1)!;
    expect(first.result.resultType).toBe('input_required');
    const [k] = Object.keys(first.result.inputRequests);
    const retry = await post(2, { name: 'steps', arguments: {}, inputResponses: { [k!]: { action: 'accept', content: { x: 'y' } } }, requestState: first.result.requestState, _meta: meta('retry-token') });
    expect(retry.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progressToken)).toEqual(['retry-token']);
    expect(text(retry.at(-1)!.result)).toBe('stepped');
  });

  it('a client holds a bounded number of pending exchanges; another client is not affected; a closed stream frees one', async () => {
    const held = [asked(await call('carol', 'confirm')), asked(await call('carol', 'confirm'))];
    refused(await call('carol', 'confirm'), 'GW_ERR_MCP_INPUTS_PENDING_LIMIT', 429, -32000);
    asked(await call('bob', 'confirm'));
    // Answering one frees its slot.
    const done = await call('carol', 'confirm', { inputResponses: { [held[0]!.key]: { action: 'accept', content: { name: 'C' } } }, requestState: held[0]!.state }, 5);
    expect(text(done.json.result)).toBe('carol:accept:C');
    asked(await call('carol', 'confirm'));
  });

  it('a client that did not declare elicitation is never asked: the member gets method-not-found, as a 2025 client without it', async () => {
    const res = await modernPost(gw, 'asker', { method: 'tools/call', params: { name: 'confirm', arguments: { who: 'bob' }, _meta: envelope() } }, { 'x-api-key': keys.bob! });
    expect(res.status).toBe(200);
    expect(res.json.result.resultType).toBe('complete');
    expect(res.json.result.isError).toBe(true);
  });

  it('a flood of forged and other users’ requestStates gets its specific error each, while the event loop keeps running', async () => {
    const a = asked(await call('alice', 'confirm'));
    // ~256 KiB: far past any state agate issues, so it is refused before it is decrypted.
    const big = `v1.${'A'.repeat(16)}.${'B'.repeat(22)}.${'C'.repeat(256 * 1024)}`;
    const states = [a.state, big, 'v1.x.y.z', a.state.replace(/.$/, 'Q')];
    const probe = startHealthzProbe(gw.adminUrl);
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => call(i % 4 === 0 ? 'bob' : 'carol', 'confirm', { inputResponses: { [a.key]: { action: 'accept', content: { name: 'x' } } }, requestState: states[i % 4] }, i + 10)),
    );
    const probes = await probe.stop();
    for (const r of answers) refused(r, 'GW_ERR_MCP_REQUEST_STATE_INVALID');
    expect(probes.length).toBeGreaterThanOrEqual(3);
    expect(probes.sort((x, y) => x - y)[probes.length >> 1]).toBeLessThan(250);
    const done = await call('alice', 'confirm', { inputResponses: { [a.key]: { action: 'accept', content: { name: 'still' } } }, requestState: a.state }, 2);
    expect(text(done.json.result)).toBe('alice:accept:still');
  });

  it('a requestState presented to another replica (same registry key, exchange not in its memory) says to retry from scratch', async () => {
    const other = await startTestGateway({ dbPath: gw.dbPath });
    try {
      await waitFor(() => other.snapshots.current()?.mcp.servers.get('asker'), 'the other replica to serve asker');
      const a = asked(await call('alice', 'confirm'));
      const elsewhere = await modernPost(
        other,
        'asker',
        { id: 2, method: 'tools/call', params: { name: 'confirm', arguments: { who: 'alice' }, inputResponses: { [a.key]: { action: 'decline' } }, requestState: a.state, _meta: envelope({ [META.clientCapabilities]: ASKS }) } },
        { 'x-api-key': keys.alice! },
      );
      refused(elsewhere, 'GW_ERR_MCP_EXCHANGE_NOT_HERE', 409);
      expect(elsewhere.json.error.message).toMatch(/from scratch/);
    } finally {
      await other.stop();
    }
  });
});

describe('MRTR bridge: expiry', () => {
  let remote: RemoteMcpUpstream;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    remote = await startRemoteMcpUpstream(1, 0, { server: askerServer });
    gw = await startTestGateway({ gateway: { mcp: { pendingInputTtlMs: 300 } } });
    gw.registry.consumers.store.create({ name: 'dave', groups: [] }, 'cli');
    key = gw.registry.consumers.issueKey('dave', 'cli').key;
    await addMcpServer(gw, { name: 'asker', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} } });
  }, 30_000);
  afterAll(async () => {
    await gw?.stop();
    await remote?.close();
  });

  it('an exchange left unanswered past its lifetime is cancelled upstream and its requestState refused as expired', async () => {
    const cancelled = control.cancelled;
    const first = await modernPost(gw, 'asker', { method: 'tools/call', params: { name: 'stall', arguments: {}, _meta: envelope({ [META.clientCapabilities]: ASKS }) } }, { 'x-api-key': key });
    expect(first.json.result.resultType).toBe('input_required');
    const [k] = Object.keys(first.json.result.inputRequests);
    await waitFor(() => control.cancelled > cancelled, 'the member to see its call cancelled');
    const late = await modernPost(
      gw,
      'asker',
      { id: 2, method: 'tools/call', params: { name: 'stall', arguments: {}, inputResponses: { [k!]: { action: 'decline' } }, requestState: first.json.result.requestState, _meta: envelope({ [META.clientCapabilities]: ASKS }) } },
      { 'x-api-key': key },
    );
    expect(late.json.error.data.code).toBe('GW_ERR_MCP_REQUEST_STATE_EXPIRED');
    expect(late.json.error.code).toBe(-32602);
    expect(late.status).toBe(400);
  });
});
