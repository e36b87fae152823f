import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp, initializeRequest, rawInitialize, rawPost } from '../../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startFakeUpstream, type FakeUpstream } from '../../../../servers/shared/fake-upstream.js';

// Higress semantics (plugins/wasm-go/pkg/mcp/server/proxy_server.go, rest_server.go): with `passthroughAuthHeader`
// the client's Authorization goes to the MCP backend; with a downstream requirement `passthrough: true` the credential
// the scheme names (Bearer for `type: http`, the apiKey header) is taken from the client and applied upstream in the
// place the upstream scheme names. Without either, the client's credential never reaches the backend.

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

/** A Higress REST config (mcp-server.yaml shape) whose one tool echoes what the API received. */
function restConfig(name: string, scheme: 'apiKey' | 'bearer', passthrough: boolean): Record<string, unknown> {
  const securitySchemes =
    scheme === 'apiKey' ? [{ id: 'ApiKeyAuth', type: 'apiKey', in: 'header', name: 'X-API-Key' }] : [{ id: 'BearerAuth', type: 'http', scheme: 'bearer' }];
  const id = securitySchemes[0]!.id;
  return {
    server: { name, securitySchemes, defaultDownstreamSecurity: { id, passthrough }, defaultUpstreamSecurity: { id } },
    tools: [{ name: 'whoami', description: 'Echoes the credential the API saw', args: [], requestTemplate: { url: 'https://api.example.com/me', method: 'GET' } }],
  };
}

/** The Authorization the upstream saw on its tools/call requests, in order. */
function toolCallAuth(upstream: RemoteMcpUpstream): Array<string | undefined> {
  return upstream.requests.filter((r) => (r.body as { method?: string } | undefined)?.method === 'tools/call').map((r) => r.headers.authorization as string | undefined);
}

describe('credential passthrough, only where configured (Higress passthroughAuthHeader and security.passthrough)', () => {
  let gw: TestGateway;
  let remote: RemoteMcpUpstream;
  let api: FakeUpstream;
  let aliceKey: string;
  let bobKey: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    remote = await startRemoteMcpUpstream();
    api = await startFakeUpstream((req) => ({ body: JSON.stringify({ authorization: req.headers.authorization ?? null, apiKey: req.headers['x-api-key'] ?? null }) }));
    for (const name of ['alice', 'bob']) gw.registry.consumers.store.create({ name }, 'cli');
    aliceKey = gw.registry.consumers.issueKey('alice', 'cli').key;
    bobKey = gw.registry.consumers.issueKey('bob', 'cli').key;
    const overrides = { 'https://api.example.com': api.origin };
    await addMcpServer(gw, { name: 'proxy-pass', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {}, passthroughAuthHeader: true } });
    await addMcpServer(gw, { name: 'proxy-plain', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} } });
    await addMcpServer(gw, {
      name: 'proxy-members',
      backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {}, passthroughAuthHeader: true },
      access: { consumers: ['alice', 'bob'] },
    });
    for (const [name, scheme, pass] of [['rest-key', 'apiKey', true], ['rest-bearer', 'bearer', true], ['rest-nopass', 'apiKey', false]] as const) {
      await addMcpServer(gw, { name, backend: { kind: 'rest', config: restConfig(name, scheme, pass), settings: {}, secretSettings: {}, originOverrides: overrides } });
    }
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.close();
    await api?.close();
  });

  it.each(['streamable-http', 'sse'] as const)('mcp-proxy passthroughAuthHeader: the client Bearer reaches the remote server (%s)', async (transport) => {
    const client = await connectMcp(gw, 'proxy-pass', { transport, headers: { authorization: 'Bearer upstream-token-1' } });
    try {
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toContain('hi');
      expect(toolCallAuth(remote).at(-1)).toBe('Bearer upstream-token-1');
    } finally {
      await client.close();
    }
  });

  it('a remote server not configured for passthrough never sees the client Authorization (an agate key there is agate\'s)', async () => {
    const client = await connectMcp(gw, 'proxy-plain', { headers: { authorization: `Bearer ${aliceKey}` } });
    try {
      await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      expect(toolCallAuth(remote).at(-1)).toBeUndefined();
    } finally {
      await client.close();
    }
    // An unknown Bearer on a server without passthrough is still refused as a bad agate credential.
    const res = await rawInitialize(`${gw.url}/mcp/proxy-plain`, '2025-06-18', { authorization: 'Bearer not-an-agate-key' });
    expect(res.status).toBe(401);
  });

  it('REST security.passthrough (apiKey X-API-Key): the client key reaches the API in the upstream scheme\'s header', async () => {
    const client = await connectMcp(gw, 'rest-key', { headers: { 'x-api-key': 'client-api-key' } });
    try {
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({ authorization: null, apiKey: 'client-api-key' });
    } finally {
      await client.close();
    }
  });

  it('REST security.passthrough (http bearer): the client Bearer reaches the API as Authorization', async () => {
    const client = await connectMcp(gw, 'rest-bearer', { headers: { authorization: 'Bearer client-oauth-token' } });
    try {
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({ authorization: 'Bearer client-oauth-token', apiKey: null });
    } finally {
      await client.close();
    }
  });

  it('REST without passthrough: the client X-API-Key is an agate key, never the API\'s', async () => {
    const client = await connectMcp(gw, 'rest-nopass', { headers: { 'x-api-key': aliceKey } });
    try {
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toEqual({ authorization: null, apiKey: null });
    } finally {
      await client.close();
    }
    const res = await rawInitialize(`${gw.url}/mcp/rest-nopass`, '2025-06-18', { 'x-api-key': 'client-api-key' });
    expect(res.status).toBe(401);
  });

  it('on a passthrough server agate takes its own key from the other header; two users at once, no leak', async () => {
    const [alice, bob] = await Promise.all([
      connectMcp(gw, 'proxy-members', { headers: { authorization: 'Bearer alice-upstream', 'x-api-key': aliceKey } }),
      connectMcp(gw, 'proxy-members', { headers: { authorization: 'Bearer bob-upstream', 'x-api-key': bobKey } }),
    ]);
    try {
      const before = toolCallAuth(remote).length;
      const calls = [];
      for (let i = 0; i < 10; i++) {
        calls.push(alice.callTool({ name: 'echo', arguments: { message: `alice-${i}` } }), bob.callTool({ name: 'echo', arguments: { message: `bob-${i}` } }));
      }
      await Promise.all(calls);
      const seen = remote.requests.filter((r) => (r.body as { method?: string } | undefined)?.method === 'tools/call').slice(before);
      expect(seen).toHaveLength(20);
      for (const r of seen) {
        const who = String((r.body as { params: { arguments: { message: string } } }).params.arguments.message).split('-')[0];
        expect(r.headers.authorization).toBe(`Bearer ${who}-upstream`);
        expect(r.headers['x-api-key']).toBeUndefined();
      }
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
    // The members-only server still needs the agate key: the passed-through Bearer alone does not admit anyone.
    const res = await rawInitialize(`${gw.url}/mcp/proxy-members`, '2025-06-18', { authorization: 'Bearer alice-upstream' });
    expect(res.status).toBe(401);
  });

  it('an agate key sent in a header the server passes through is refused, never forwarded', async () => {
    const before = remote.requests.length;
    const res = await rawPost(`${gw.url}/mcp/proxy-pass`, initializeRequest(), { authorization: `Bearer ${aliceKey}` });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { data?: { code?: string } } };
    expect(body.error.data?.code).toBe('GW_ERR_AUTH_KEY_IN_PASSTHROUGH');
    expect(remote.requests.length).toBe(before);
    const apiBefore = api.requests.length;
    const rest = await rawPost(`${gw.url}/mcp/rest-key`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'x-api-key': bobKey });
    expect(rest.status).toBe(401);
    expect(api.requests.length).toBe(apiBefore);
  });

  it('the passed-through credentials are not in the logs', () => {
    const logged = JSON.stringify(gw.logs);
    for (const secret of ['upstream-token-1', 'client-api-key', 'client-oauth-token', 'alice-upstream', 'bob-upstream', aliceKey, bobKey]) expect(logged).not.toContain(secret);
  });
});
