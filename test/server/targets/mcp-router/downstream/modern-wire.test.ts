import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { fixtureServer } from '../../../../helpers/mcp-fixture-server.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { META, MODERN, envelope, modernPost } from '../../../../helpers/mcp-modern.js';

// The wire rules of a 2026-07-28 request, with expected values from the spec text:
// basic/transports/streamable-http.mdx (§Protocol Version Header, §Standard Request Headers, §Server Validation:
// 400 + -32020 HeaderMismatch), basic/index.mdx §_meta (missing required key: 400 + -32602),
// basic/versioning.mdx (unknown version: 400 + -32022 with `supported` and `requested`), server/discover.mdx,
// server/utilities/caching.mdx (ttlMs >= 0, cacheScope public|private), changelog 8 (resultType "complete").

const HEADER_MISMATCH = -32020;
const UNSUPPORTED_VERSION = -32022;

describe('2026-07-28 requests on the wire', () => {
  let gw: TestGateway;
  let bobKey = '';
  let aliceKey = '';

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['fixture', fixtureServer('fixture', { down: false, created: 0, cancelled: 0 })]]) } });
    for (const name of ['alice', 'bob']) gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
    aliceKey = gw.registry.consumers.issueKey('alice', 'cli').key;
    bobKey = gw.registry.consumers.issueKey('bob', 'cli').key;
    const fixture = { kind: 'hosted' as const, server: 'fixture', settings: {}, secretSettings: {} };
    await addMcpServer(gw, { name: 'fx', backend: fixture });
    // `fail` only for alice: the tool list differs per consumer, so it must never be marked public.
    await addMcpServer(gw, { name: 'guarded', backend: fixture, access: { tools: { fail: ['alice'] } } });
    await addMcpServer(gw, { name: 'members', backend: fixture, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'limited', backend: fixture, rateLimit: { perConsumer: { requests: 2, windowSeconds: 60 } } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const call = (name: string, args: Record<string, unknown> = {}) => ({ method: 'tools/call', params: { name, arguments: args, _meta: envelope() } });

  it('server/discover answers versions, capabilities, identity and caching hints', async () => {
    const r = await modernPost(gw, 'fx', { method: 'server/discover' });
    expect(r.status).toBe(200);
    expect(r.headers.get('mcp-session-id')).toBeNull();
    const result = r.json.result;
    expect(result.resultType).toBe('complete');
    expect(result.supportedVersions).toContain(MODERN);
    expect(result.capabilities.tools).toBeDefined();
    expect(result._meta[META.serverInfo]).toMatchObject({ name: 'fx' });
    expect(result.ttlMs).toBeGreaterThanOrEqual(0);
    expect(['public', 'private']).toContain(result.cacheScope);
  });

  it.each([
    ['tools/list', {}],
    ['resources/list', {}],
    ['prompts/list', {}],
    ['resources/templates/list', {}],
    ['resources/read', { uri: 'fixture://greeting' }],
  ])('%s carries resultType, ttlMs and cacheScope (public: the same for every consumer)', async (method, params) => {
    const r = await modernPost(gw, 'fx', { method, params: { ...params, _meta: envelope() } });
    expect(r.status).toBe(200);
    expect(r.json.result).toMatchObject({ resultType: 'complete', cacheScope: 'public' });
    expect(Number.isInteger(r.json.result.ttlMs) && r.json.result.ttlMs >= 0).toBe(true);
  });

  it('tools/call results carry resultType "complete" and no caching hints (not a cacheable operation)', async () => {
    const r = await modernPost(gw, 'fx', call('echo', { text: 'x' }));
    expect(r.json.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'echo:x' }] });
    expect(r.json.result.ttlMs).toBeUndefined();
  });

  it('a server with per-consumer tool lists answers private lists, each consumer its own, as in 2025', async () => {
    const [alice, bob] = await Promise.all([
      modernPost(gw, 'guarded', { method: 'tools/list' }, { 'x-api-key': aliceKey }),
      modernPost(gw, 'guarded', { method: 'tools/list' }, { 'x-api-key': bobKey }),
    ]);
    expect(alice.json.result.cacheScope).toBe('private');
    expect(bob.json.result.cacheScope).toBe('private');
    const names = (r: typeof alice) => r.json.result.tools.map((t: { name: string }) => t.name);
    expect(names(alice)).toContain('fail');
    expect(names(bob)).not.toContain('fail');
    expect(names(bob)).toContain('echo');
    const legacyBob = await connectMcp(gw, 'guarded', { headers: { 'x-api-key': bobKey } });
    expect((await legacyBob.listTools()).tools.map((t) => t.name).sort()).toEqual(names(bob).sort());
    await legacyBob.close();
    const refused = await modernPost(gw, 'guarded', call('fail'), { 'x-api-key': bobKey });
    expect(refused.json.error).toMatchObject({ code: -32602, data: { code: 'GW_ERR_MCP_UNKNOWN_TOOL' } });
    const allowed = await modernPost(gw, 'guarded', call('fail'), { 'x-api-key': aliceKey });
    expect(allowed.json.result).toMatchObject({ isError: true, resultType: 'complete' });
  });

  it('the consumer allow list refuses a modern request as it refuses initialize: 401 without a key, 403 for another consumer', async () => {
    const anonymous = await modernPost(gw, 'members', { method: 'tools/list' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error.data.code).toBe('GW_ERR_AUTH_MISSING');
    const bob = await modernPost(gw, 'members', { method: 'tools/list' }, { 'x-api-key': bobKey });
    expect(bob.status).toBe(403);
    expect(bob.json.error.data.code).toBe('GW_ERR_AUTH_FORBIDDEN');
    const alice = await modernPost(gw, 'members', { method: 'tools/list' }, { 'x-api-key': aliceKey });
    expect(alice.status).toBe(200);
    expect(alice.json.result.cacheScope).toBe('private');
  });

  it('tool-call rate limits count both eras in one bucket per consumer, and no consumer spends another’s', async () => {
    const modernCall = (key: string) => modernPost(gw, 'limited', call('echo', { text: 'r' }), { 'x-api-key': key });
    expect((await modernCall(aliceKey)).json.result.content[0].text).toBe('echo:r');
    const legacyAlice = await connectMcp(gw, 'limited', { headers: { 'x-api-key': aliceKey } });
    expect((await legacyAlice.callTool({ name: 'echo', arguments: { text: 'r' } })).isError).toBeFalsy();
    const third = await modernCall(aliceKey);
    expect(third.json.error).toMatchObject({ code: -32000, data: { code: 'GW_ERR_RATE_LIMITED', server: 'limited' } });
    await expect(legacyAlice.callTool({ name: 'echo', arguments: { text: 'r' } })).rejects.toMatchObject({ code: -32000 });
    await legacyAlice.close();
    expect((await modernCall(bobKey)).json.result.content[0].text).toBe('echo:r');
  });

  it.each([
    ['MCP-Protocol-Version missing', { method: 'tools/list' }, { 'mcp-protocol-version': null }],
    ['MCP-Protocol-Version differs from _meta', { method: 'tools/list' }, { 'mcp-protocol-version': '2025-11-25' }],
    ['Mcp-Method missing', { method: 'tools/list' }, { 'mcp-method': null }],
    ['Mcp-Method differs from the body', { method: 'tools/list' }, { 'mcp-method': 'prompts/list' }],
    ['Mcp-Method differs only in case', { method: 'tools/list' }, { 'mcp-method': 'Tools/List' }],
    ['Mcp-Name missing on tools/call', call('echo', { text: 'x' }), { 'mcp-name': null }],
    ['Mcp-Name names another tool', call('echo', { text: 'x' }), { 'mcp-name': 'fail' }],
    ['Mcp-Name missing on resources/read', { method: 'resources/read', params: { uri: 'fixture://greeting', _meta: envelope() } }, { 'mcp-name': null }],
    ['Mcp-Name names another resource', { method: 'resources/read', params: { uri: 'fixture://greeting', _meta: envelope() } }, { 'mcp-name': 'fixture://other' }],
    ['Mcp-Name missing on prompts/get', { method: 'prompts/get', params: { name: 'greet', arguments: { who: 'x' }, _meta: envelope() } }, { 'mcp-name': null }],
    ['Mcp-Name with a broken Base64 sentinel', call('echo', { text: 'x' }), { 'mcp-name': '=?base64?not base64!?=' }],
    ['Mcp-Name Base64 of another name', call('echo', { text: 'x' }), { 'mcp-name': `=?base64?${Buffer.from('fail').toString('base64')}?=` }],
    ['initialize with a modern MCP-Protocol-Version', { method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, {}],
  ] as const)('%s: 400 HeaderMismatch (-32020), nothing runs', async (_what, body, headers) => {
    const r = await modernPost(gw, 'fx', { id: 7, ...body } as never, headers as Record<string, string | null>);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: HEADER_MISMATCH, data: { code: 'GW_ERR_MCP_HEADER_MISMATCH' } } });
    expect(r.headers.get('mcp-session-id')).toBeNull();
  });

  it('accepts Mcp-Name in the Base64 sentinel form, decoded before the comparison', async () => {
    const r = await modernPost(gw, 'fx', call('echo', { text: 'b' }), { 'mcp-name': `=?base64?${Buffer.from('echo').toString('base64')}?=` });
    expect(r.status).toBe(200);
    expect(r.json.result.content[0].text).toBe('echo:b');
  });

  it('an unknown protocol version is 400 UnsupportedProtocolVersion naming the supported ones', async () => {
    const params = { _meta: envelope({ [META.protocolVersion]: '2099-01-01' }) };
    const r = await modernPost(gw, 'fx', { id: 'v', method: 'tools/list', params }, { 'mcp-protocol-version': '2099-01-01' });
    expect(r.status).toBe(400);
    expect(r.json.id).toBe('v');
    expect(r.json.error.code).toBe(UNSUPPORTED_VERSION);
    expect(r.json.error.data).toMatchObject({ requested: '2099-01-01' });
    expect(r.json.error.data.supported).toEqual(expect.arrayContaining([MODERN, '2025-11-25']));
  });

  it.each([
    ['no _meta at all', {}],
    ['_meta without clientCapabilities', { _meta: { [META.protocolVersion]: MODERN } }],
    ['a protocolVersion that is not a string', { _meta: { ...envelope(), [META.protocolVersion]: 2026 } }],
    ['clientCapabilities that is not an object', { _meta: { ...envelope(), [META.clientCapabilities]: 'all' } }],
  ])('a modern request with %s is 400 Invalid params (-32602)', async (_what, params) => {
    const r = await modernPost(gw, 'fx', { id: 3, method: 'tools/list', params });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ id: 3, error: { code: -32602 } });
  });

  it('a method the 2026 revision does not have (ping, logging/setLevel) is 404 Method not found', async () => {
    for (const method of ['ping', 'logging/setLevel', 'resources/subscribe']) {
      const r = await modernPost(gw, 'fx', { method, params: { _meta: envelope(), level: 'info', uri: 'fixture://greeting' } });
      expect(r.status, method).toBe(404);
      expect(r.json.error.code, method).toBe(-32601);
    }
  });

  it('a modern request carrying Mcp-Session-Id is served statelessly: the header is ignored, none is minted', async () => {
    const legacy = await connectMcp(gw, 'fx', { headers: { 'x-api-key': bobKey } });
    const sessionId = (legacy.transport as { sessionId?: string }).sessionId!;
    expect(sessionId).toEqual(expect.any(String));
    // Alice names Bob's live session: it is neither used nor disturbed (2026 has no sessions to borrow).
    const r = await modernPost(gw, 'fx', call('echo', { text: 's' }), { 'mcp-session-id': sessionId, 'x-api-key': aliceKey });
    expect(r.status).toBe(200);
    expect(r.json.result.content[0].text).toBe('echo:s');
    expect(r.headers.get('mcp-session-id')).toBeNull();
    expect((await legacy.callTool({ name: 'echo', arguments: { text: 'still' } })).content).toEqual([{ type: 'text', text: 'echo:still' }]);
    await legacy.close();
  });

  it.each([['confirm', 'elicitation/create'], ['ask', 'sampling/createMessage']])(
    'a member that asks a 2026 client something (%s: %s) gets a refusal at once, and the client an answer, never silence',
    async (tool) => {
      const r = await modernPost(gw, 'fx', call(tool));
      expect(r.status).toBe(200);
      // The member's own request was answered -32601, so the tool ran and failed (the fixture reports the error).
      expect(r.json).toMatchObject({ id: 1, result: { isError: true, resultType: 'complete' } });
      expect(r.json.result.content[0].text).toContain('-32601');
    },
  );

  it('a modern notification is accepted with 202 and no body', async () => {
    const res = await fetch(`${gw.url}/mcp/fx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'notifications/cancelled' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: envelope() } }),
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });

  it('a batch holding a modern request is refused as Invalid Request', async () => {
    const res = await fetch(`${gw.url}/mcp/fx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN },
      body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope() } }]),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32600);
  });
});
