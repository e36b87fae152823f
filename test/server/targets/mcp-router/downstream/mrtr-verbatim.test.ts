import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text as readText } from 'node:stream/consumers';
import { Client as V2Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { envelope, META, MODERN, modernPost } from '../../../../helpers/mcp-modern.js';
import { consumersWithKeys } from '../../../../helpers/consumers.js';
import { startModernMember, type ModernMember } from '../../../../helpers/modern-member.js';

// A 2026-07-28 client calling a 2026-07-28 member (issue #15: "pass-through, with names, policy and caching hints
// applied"): the member's input_required result (basic/patterns/mrtr.mdx) reaches the client as the member wrote it,
// its requestState sealed inside agate's; the client's retry is a new request, served by any gateway sharing the
// registry's key, that passes policy again and carries the client's inputResponses and the member's own
// requestState back to the member. Expected values come from the members: the v2 SDK fixture (modern-member-mrtr.ts,
// which checks every retry's state itself and answers what it was told) and a hand-written member below whose
// answers are this file's constants.

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });
const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0] ?? {}).text;
const ASKS = { elicitation: { form: {} }, sampling: {}, roots: {} };

/** The input requests the hand-written member asks with: odd keys, its own `_meta`, params as the spec has them. */
const EXACT_REQUESTS = {
  'pin/1 ü': {
    method: 'elicitation/create',
    params: { mode: 'form', message: 'PIN?', requestedSchema: { type: 'object', properties: { pin: { type: 'string' } } }, _meta: { 'x.example/hint': 'four digits' } },
  },
  'model:2': { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 5 } },
};
const EXACT_STATE = 'exact-state:{"round":1}';
/** A requestState of 70 000 characters: over the 64 KiB agate wraps. */
const BIG_STATE = 'x'.repeat(70_000);

/** A 2026-07-28 member written by hand (the exact wire format): every request it got, params as sent. */
async function startRawMember(): Promise<{ url: string; calls: Array<Record<string, any>>; close(): Promise<void> }> {
  const calls: Array<Record<string, any>> = [];
  const server: Server = createServer((req, res) => {
    void readText(req).then((body) => {
      const msg = JSON.parse(body || 'null');
      const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      const asked = (rest: Record<string, unknown>) => reply({ resultType: 'input_required', ...rest });
      const echo = (p: Record<string, any>) => JSON.stringify({ inputResponses: p.inputResponses, requestState: p.requestState });
      if (msg?.method === 'server/discover') return reply({ resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {}, resources: {} } });
      if (msg?.method === 'tools/list') return reply({ resultType: 'complete', tools: ['exact', 'big', 'nosy'].map((name) => ({ name, inputSchema: { type: 'object' } })) });
      if (msg?.method === 'resources/list') return reply({ resultType: 'complete', resources: [{ uri: 'raw://vault', name: 'vault' }] });
      if (msg?.method !== 'tools/call' && msg?.method !== 'resources/read') return res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
      calls.push(msg);
      const p = msg.params as Record<string, any>;
      const retry = p.inputResponses !== undefined || p.requestState !== undefined;
      if (msg.method === 'resources/read') {
        if (!retry) return asked({ inputRequests: EXACT_REQUESTS, requestState: 'vault-state' });
        return reply({ resultType: 'complete', contents: [{ uri: p.uri, text: echo(p) }] });
      }
      if (p.name === 'big') return asked({ inputRequests: { ok: EXACT_REQUESTS['pin/1 ü'] }, requestState: BIG_STATE });
      if (p.name === 'nosy') return asked({ inputRequests: { where: { method: 'roots/list' } } });
      if (!retry) return asked({ inputRequests: EXACT_REQUESTS, requestState: EXACT_STATE, _meta: { 'x.example/trace': 't-1' } });
      reply({ resultType: 'complete', content: [{ type: 'text', text: echo(p) }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('a 2026 member’s input_required, passed through to a 2026 client (MRTR verbatim)', () => {
  let gw: TestGateway;
  let other: TestGateway;
  let member: ModernMember;
  let raw: Awaited<ReturnType<typeof startRawMember>>;
  const keys: Record<string, string> = {};
  const open: V2Client[] = [];

  beforeAll(async () => {
    member = await startModernMember();
    raw = await startRawMember();
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    Object.assign(keys, consumersWithKeys(gw.registry, ['alice', 'bob']));
    await addMcpServer(gw, { name: 'nova', backend: remote(member.url) });
    await addMcpServer(gw, { name: 'raw', backend: remote(raw.url) });
    await addMcpServer(gw, { name: 'suite', backend: { kind: 'bundle', members: ['nova', 'raw'], separator: '__', prefix: 'always' } });
    // One call per minute per consumer: a retry is a call like any other.
    await addMcpServer(gw, { name: 'capped', backend: remote(member.url), rateLimit: { perConsumer: { requests: 1, windowSeconds: 60 } } });
    await addMcpServer(gw, { name: 'gated', backend: remote(member.url), access: { tools: { ask: ['alice', 'bob'] } } });
    for (const name of ['nova', 'raw', 'capped', 'gated']) await waitFor(() => gw.registry.memberEras.get(name)?.era === 'modern', `${name} learnt as modern`);
    // A second gateway on the same registry (and so the same key), with no Redis: nothing relays between the two.
    other = await startTestGateway({ dbPath: gw.dbPath, gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    await waitFor(() => other.snapshots.current()?.mcp.servers.has('suite'), 'the second gateway serving');
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await other?.stop();
    await gw?.stop();
    await member?.close();
    await raw?.close();
  });

  /** A raw 2026 request as `who` at `/mcp/<server>` of `at`, with `more` params (continuation) besides `params`. */
  const post = (at: TestGateway, server: string, who: string, body: { method: string; params: Record<string, unknown>; id?: number }, caps: Record<string, unknown> = ASKS) =>
    modernPost(at, server, { id: body.id ?? 1, method: body.method, params: { ...body.params, _meta: envelope({ [META.clientCapabilities]: caps }) } }, { 'x-api-key': keys[who]! });
  const call = (who: string, server: string, name: string, more: Record<string, unknown> = {}, at: TestGateway = gw) =>
    post(at, server, who, { method: 'tools/call', params: { name, arguments: {}, ...more } });
  const refusal = (res: { status: number; json: any }) => ({ status: res.status, code: res.json.error?.code, data: res.json.error?.data?.code });
  const memberCalls = (tool: string) => member.requests.filter((r) => r.method === 'tools/call' && r.params?.name === tool);

  /** What the member answers a 2026 request itself, called directly (the expected value of a pass-through). */
  async function direct(method: string, params: Record<string, unknown>): Promise<any> {
    const res = await fetch(member.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': String(params.name) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'direct', method, params: { ...params, _meta: envelope({ [META.clientCapabilities]: ASKS }) } }),
    });
    const body = await res.text();
    const data = body.startsWith('{') ? body : body.split('\n').find((l) => l.startsWith('data: '))!.slice(6);
    return JSON.parse(data).result;
  }

  it('tools/call: the member’s inputRequests verbatim, its requestState wrapped; the retry brings the client’s answers and the member’s own state back', async () => {
    const first = await call('alice', 'nova', 'ask');
    expect(first.status).toBe(200);
    const result = first.json.result;
    const own = await direct('tools/call', { name: 'ask', arguments: {} });
    expect(result.resultType).toBe('input_required');
    expect(result.inputRequests).toEqual(own.inputRequests);
    // agate's state, not the member's: sealed, the member's inside where nobody can read it.
    expect(typeof result.requestState).toBe('string');
    expect(result.requestState).not.toBe('opaque-state');
    expect(Buffer.from(result.requestState, 'base64url').toString('latin1')).not.toContain('opaque-state');
    expect(JSON.stringify(result)).not.toContain('io.agate');
    const answers = { confirm: { action: 'accept', content: { ok: true } } };
    const done = await call('alice', 'nova', 'ask', { inputResponses: answers, requestState: result.requestState });
    expect(done.json.result.resultType).toBe('complete');
    expect(text(done.json.result)).toBe('confirm: accept {"ok":true}');
    const retry = memberCalls('ask').at(-1)!;
    expect(retry.params?.inputResponses).toEqual(answers);
    expect(retry.params?.requestState).toBe('opaque-state');
  });

  it('exact wire: odd keys, the input requests’ own _meta and the result’s _meta pass as the member sent them; the retry carries inputResponses byte for byte', async () => {
    const first = (await call('alice', 'raw', 'exact')).json.result;
    expect(first.inputRequests).toEqual(EXACT_REQUESTS);
    expect(first._meta['x.example/trace']).toBe('t-1');
    expect(first._meta).not.toHaveProperty('io.agate/inputFrom');
    const answers = { 'pin/1 ü': { action: 'accept', content: { pin: '0042' } }, 'model:2': { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm', _meta: { 'x.example/z': [1, 2] } } };
    const done = (await call('alice', 'raw', 'exact', { inputResponses: answers, requestState: first.requestState })).json.result;
    expect(JSON.parse(text(done)!)).toEqual({ inputResponses: answers, requestState: EXACT_STATE });
  });

  it('resources/read asks too: the retry reaches the member with the client’s answers and its state', async () => {
    const first = await post(gw, 'raw', 'bob', { method: 'resources/read', params: { uri: 'raw://vault' } });
    expect(first.json.result.resultType).toBe('input_required');
    expect(first.json.result.inputRequests).toEqual(EXACT_REQUESTS);
    const answers = { 'pin/1 ü': { action: 'decline' } };
    const done = await post(gw, 'raw', 'bob', { method: 'resources/read', params: { uri: 'raw://vault', inputResponses: answers, requestState: first.json.result.requestState } });
    expect(JSON.parse(done.json.result.contents[0].text)).toEqual({ inputResponses: answers, requestState: 'vault-state' });
  });

  it('a bundle member: the client names the tool by its bundle name, the member is asked and retried under its own', async () => {
    const first = (await call('bob', 'suite', 'nova__ask')).json.result;
    expect(first.inputRequests).toEqual((await direct('tools/call', { name: 'ask', arguments: {} })).inputRequests);
    const done = await call('bob', 'suite', 'nova__ask', { inputResponses: { confirm: { action: 'accept', content: { ok: false } } }, requestState: first.requestState });
    expect(text(done.json.result)).toBe('confirm: accept {"ok":false}');
    const retry = memberCalls('ask').at(-1)!;
    expect(retry.params).toMatchObject({ name: 'ask', requestState: 'opaque-state' });
    // The state is bound to the endpoint `suite`: presented at `nova` (the member’s own endpoint) it does not open.
    expect(refusal(await call('bob', 'nova', 'ask', { inputResponses: {}, requestState: first.requestState }))).toEqual({ status: 400, code: -32602, data: 'GW_ERR_MCP_REQUEST_STATE_INVALID' });
  });

  it('alice and bob at once over three rounds: each gets a result from their own answers; bob presenting alice’s state is refused', async () => {
    const run = async (who: string, tag: string) => {
      const r1 = (await call(who, 'nova', 'interview', { arguments: { tag } })).json.result;
      expect(Object.keys(r1.inputRequests)).toEqual(['name']);
      const r2 = (await call(who, 'nova', 'interview', { arguments: { tag }, inputResponses: { name: { action: 'accept', content: { name: who } } }, requestState: r1.requestState })).json.result;
      expect(Object.keys(r2.inputRequests).sort()).toEqual(['capital', 'where']);
      const answers = { capital: { role: 'assistant', content: { type: 'text', text: `Paris (${who})` }, model: 'm' }, where: { roots: [{ uri: `file:///home/${who}` }] } };
      const done = (await call(who, 'nova', 'interview', { arguments: { tag }, inputResponses: answers, requestState: r2.requestState })).json.result;
      return { text: text(done), state: r1.requestState as string };
    };
    const [a, b] = await Promise.all([run('alice', 'v-A'), run('bob', 'v-B')]);
    expect(a.text).toBe('v-A: name=alice capital=Paris (alice) roots=file:///home/alice');
    expect(b.text).toBe('v-B: name=bob capital=Paris (bob) roots=file:///home/bob');
    const before = memberCalls('interview').length;
    const stolen = await call('bob', 'nova', 'interview', { arguments: { tag: 'v-A' }, inputResponses: { name: { action: 'accept', content: { name: 'bob' } } }, requestState: a.state });
    expect(refusal(stolen)).toEqual({ status: 400, code: -32602, data: 'GW_ERR_MCP_REQUEST_STATE_INVALID' });
    expect(memberCalls('interview')).toHaveLength(before);
  });

  it('a retry naming another tool than the state’s is refused, and never reaches the member', async () => {
    const first = (await call('alice', 'nova', 'ask')).json.result;
    const before = member.requests.length;
    const res = await call('alice', 'nova', 'interview', { arguments: { tag: 'x' }, inputResponses: { name: { action: 'accept', content: { name: 'x' } } }, requestState: first.requestState });
    expect(refusal(res)).toEqual({ status: 400, code: -32602, data: 'GW_ERR_MCP_REQUEST_STATE_INVALID' });
    expect(res.json.error.message).toContain('belongs to another request (tools/call ask)');
    expect(member.requests).toHaveLength(before);
  });

  it('a retry on another gateway (same registry key, no relay) is served there: nothing was parked on the first', async () => {
    const first = (await call('bob', 'suite', 'nova__ask')).json.result;
    const done = await call('bob', 'suite', 'nova__ask', { inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: first.requestState }, other);
    expect(done.status).toBe(200);
    expect(text(done.json.result)).toBe('confirm: accept {"ok":true}');
    expect(memberCalls('ask').at(-1)!.params?.requestState).toBe('opaque-state');
  });

  it('the v2 SDK client drives the rounds itself, through agate, for tools/call and prompts/get', async () => {
    const asked: string[] = [];
    const client = new V2Client({ name: 'alice', version: '1' }, { capabilities: ASKS, versionNegotiation: { mode: { pin: MODERN } } });
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req.params.message);
      const content: Record<string, string | boolean> = req.params.message === 'Sure?' ? { ok: true } : { name: 'Alice' };
      return { action: 'accept', content };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/nova`), { requestInit: { headers: { 'x-api-key': keys.alice! } } }));
    open.push(client);
    expect(text(await client.callTool({ name: 'ask', arguments: {} }))).toBe('confirm: accept {"ok":true}');
    const prompt = await client.getPrompt({ name: 'introduce', arguments: {} });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Introduce Alice' });
    expect(asked).toEqual(['Sure?', 'Who is asking?']);
    // introduce sends no requestState: the member's retry carries none (mrtr.mdx §Client Requirements).
    const retry = member.requests.filter((r) => r.method === 'prompts/get' && r.params?.inputResponses).at(-1)!;
    expect(retry.params?.inputResponses).toEqual({ who: { action: 'accept', content: { name: 'Alice' } } });
    expect(retry.params).not.toHaveProperty('requestState');
  });

  it('the retry passes policy again: a one-call-a-minute limit refuses it', async () => {
    const first = await call('alice', 'capped', 'ask');
    expect(first.json.result.resultType).toBe('input_required');
    const before = memberCalls('ask').length;
    const retry = await call('alice', 'capped', 'ask', { inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: first.json.result.requestState });
    expect(retry.json.error?.data?.code).toBe('GW_ERR_RATE_LIMITED');
    expect(memberCalls('ask')).toHaveLength(before);
  });

  it('the retry passes policy again: a tool revoked from alice between the rounds refuses her retry, bob’s goes on', async () => {
    const [a, b] = await Promise.all([call('alice', 'gated', 'ask'), call('bob', 'gated', 'ask')]);
    gw.registry.mcpServers.update({ name: 'gated', backend: remote(member.url), access: { tools: { ask: ['bob'] } } }, 'cli');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.get('gated')?.policy.tools.ask?.length === 1, 'the revocation served');
    const answers = { confirm: { action: 'accept', content: { ok: true } } };
    const denied = await call('alice', 'gated', 'ask', { inputResponses: answers, requestState: a.json.result.requestState });
    expect(denied.json.error?.data?.code).toMatch(/^GW_ERR_(MCP_UNKNOWN_TOOL|MCP_TOOL_DENIED|AUTH)/);
    const allowed = await call('bob', 'gated', 'ask', { inputResponses: answers, requestState: b.json.result.requestState });
    expect(text(allowed.json.result)).toBe('confirm: accept {"ok":true}');
  });

  it('a member asking what the client did not declare is refused (the spec forbids it), as for a 2025 client', async () => {
    const res = await post(gw, 'raw', 'alice', { method: 'tools/call', params: { name: 'nosy', arguments: {} } }, { elicitation: { form: {} }, sampling: {} });
    expect(res.json.error).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_MEMBER_INPUT_REQUIRED', server: 'raw' } });
    expect(res.json.error.message).toMatch(/input "where" \(roots\/list\) needs the client capability roots, which the client did not declare/);
    // Declared: passed through.
    const declared = await post(gw, 'raw', 'alice', { method: 'tools/call', params: { name: 'nosy', arguments: {} } }, { roots: {} });
    expect(declared.json.result.inputRequests).toEqual({ where: { method: 'roots/list' } });
  });

  it('a member requestState over 64 KiB is refused with a specific error, not sealed into a huge token', async () => {
    const res = await call('alice', 'raw', 'big');
    expect(res.json.error).toMatchObject({ code: -32603, data: { code: 'GW_ERR_MCP_MEMBER_STATE_TOO_LARGE', server: 'raw' } });
    expect(res.json.error.message).toContain('70002');
  });
});

describe('MRTR verbatim: expiry', () => {
  let gw: TestGateway;
  let member: ModernMember;
  let key: string;

  beforeAll(async () => {
    member = await startModernMember();
    gw = await startTestGateway({ gateway: { mcp: { pendingInputTtlMs: 300, eraProbe: { probeTimeoutMs: 5_000 } } } });
    gw.registry.consumers.store.create({ name: 'dave', groups: [] }, 'cli');
    key = gw.registry.consumers.issueKey('dave', 'cli').key;
    await addMcpServer(gw, { name: 'nova', backend: remote(member.url) });
    await waitFor(() => gw.registry.memberEras.get('nova')?.era === 'modern', 'the member learnt as modern');
  }, 30_000);
  afterAll(async () => {
    await gw?.stop();
    await member?.close();
  });

  it('a state presented after its lifetime is refused as expired, and the member is not called', async () => {
    const ask = (more: Record<string, unknown> = {}) =>
      modernPost(gw, 'nova', { method: 'tools/call', params: { name: 'ask', arguments: {}, ...more, _meta: envelope({ [META.clientCapabilities]: ASKS }) } }, { 'x-api-key': key });
    const first = (await ask()).json.result;
    // Issued before its answer arrived: past its 300 ms lifetime 350 ms after that.
    await new Promise((resolve) => setTimeout(resolve, 350));
    const before = member.requests.length;
    const late = await ask({ inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: first.requestState });
    expect(refusal(late)).toEqual({ status: 400, code: -32602, data: 'GW_ERR_MCP_REQUEST_STATE_EXPIRED' });
    expect(member.requests).toHaveLength(before);
  });

  const refusal = (res: { status: number; json: any }) => ({ status: res.status, code: res.json.error?.code, data: res.json.error?.data?.code });
});
