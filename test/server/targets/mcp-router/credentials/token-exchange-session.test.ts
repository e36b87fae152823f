import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { modernPost } from '../../../../helpers/mcp-modern.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream, type SeenRequest } from '../../../../helpers/remote-mcp-upstream.js';
import { startExchangeEndpoint, type ExchangeEndpoint } from '../../../../helpers/token-server.js';

// RFC 8693 on every message of an upstream session, not only tools/call: the upstream here is an OAuth-protected
// MCP server that answers 401 to ANY request (initialize, notifications, lists, reads, the event stream, DELETE)
// without a token the authorization server exchanged for its audience. The loopback endpoint issues
// `x-<audience>-<subject token>-<n>`, so the subject a token was exchanged for is read off it, independently of agate.

const EXCHANGED = /^Bearer x-crm-(alice|bob)-at-\d+$/;
/** The user an upstream request's token was exchanged for; undefined when it carries none that is valid. */
const subjectOf = (r: SeenRequest) => EXCHANGED.exec(String(r.headers.authorization ?? ''))?.[1];
const rpcMethod = (r: SeenRequest) => (r.body as { method?: string } | undefined)?.method;
/**
 * The gateway's era probe (server/discover, then initialize, ids `agate-era-*`) belongs to no user's session and
 * has no user's token to exchange; it runs in the background whenever the member is (re)configured.
 */
const isEraProbe = (r: SeenRequest) => String((r.body as { id?: unknown } | undefined)?.id ?? '').startsWith('agate-era-');

/** A server that lists one tool named for the user whose exchanged token asked. */
function userScopedServer(): McpServer {
  const server = new McpServer({ name: 'per-user', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => {
    const who = EXCHANGED.exec(String(extra.requestInfo?.headers.authorization ?? ''))?.[1] ?? 'nobody';
    return { tools: [{ name: `only-for-${who}`, inputSchema: { type: 'object' } }] };
  });
  return server;
}

/** Each user drives a whole session: every kind of message the router sends upstream on a client's behalf. */
async function useSession(client: Client, who: string): Promise<void> {
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name)).toContain('echo');
  const templates = await client.listResourceTemplates();
  expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toContain('test://{name}');
  const read = await client.readResource({ uri: `test://${who}` });
  expect(read.contents[0]).toMatchObject({ uri: `test://${who}` });
  await client.subscribeResource({ uri: `test://${who}` });
  for (let i = 0; i < 5; i++) {
    const result = await client.callTool({ name: 'echo', arguments: { message: `${who}-${i}` } });
    expect(JSON.stringify(result)).toContain(`${who}-${i}`);
  }
}

describe('upstreamAuth token_exchange: every upstream message carries the token exchanged for its session\'s user', () => {
  let gw: TestGateway;
  let upstream: RemoteMcpUpstream;
  let perUser: RemoteMcpUpstream;
  let sts: ExchangeEndpoint;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    sts = await startExchangeEndpoint({ id: 'agate', secret: 'sts-secret-5c2e', expiresIn: 300 });
    upstream = await startRemoteMcpUpstream(1, 0, { authorize: (authorization) => EXCHANGED.test(authorization ?? '') });
    // An upstream whose tool list depends on whose token asks (as a server scoping tools by the user's grants does).
    perUser = await startRemoteMcpUpstream(1, 0, { authorize: (authorization) => EXCHANGED.test(authorization ?? ''), server: userScopedServer });
    gw = await startTestGateway();
    gw.registry.secrets.put('sts-secret', 'sts-secret-5c2e', 'cli');
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    const upstreamAuth = { type: 'token_exchange' as const, tokenUrl: sts.tokenUrl, clientId: 'agate', clientSecret: 'sts-secret', audience: 'crm' };
    const access = { consumers: ['alice', 'bob'] };
    await addMcpServer(gw, { name: 'crm', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, upstreamAuth }, access });
    await addMcpServer(gw, { name: 'crm-mine', backend: { kind: 'remote', url: perUser.url, transport: 'streamable-http', headers: {}, upstreamAuth }, access });
    await addMcpServer(gw, { name: 'crm-mine-open', backend: { kind: 'remote', url: perUser.url, transport: 'streamable-http', headers: {}, upstreamAuth } });
    await addMcpServer(gw, { name: 'crm-sse', backend: { kind: 'remote', url: upstream.sseUrl, transport: 'sse', headers: {}, upstreamAuth }, access });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await perUser?.close();
    await sts?.close();
  });

  /** Alice and Bob at once on `server`, each with their own inbound bearer token; returns what the upstream saw. */
  async function twoUsers(server: string): Promise<SeenRequest[]> {
    const from = upstream.requests.length;
    const connect = (who: string) => connectMcp(gw, server, { headers: { authorization: `Bearer ${who}-at`, 'x-api-key': keys[who]! } });
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    try {
      await Promise.all([useSession(alice, 'alice'), useSession(bob, 'bob')]);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
    return upstream.requests.slice(from).filter((r) => !isEraProbe(r));
  }

  it('Streamable HTTP upstream: initialize, notifications, lists, reads, subscriptions and calls all carry the caller\'s exchanged token, never the other user\'s', async () => {
    const seen = (await twoUsers('crm')).filter((r) => r.path === '/mcp');
    // Every request, whatever it is, carried a valid exchanged token (the upstream let nothing else through).
    for (const r of seen) expect({ method: r.method, rpc: rpcMethod(r), user: subjectOf(r) }).toMatchObject({ user: expect.stringMatching(/^(alice|bob)$/) });
    const methods = new Set(seen.map(rpcMethod));
    for (const m of ['initialize', 'notifications/initialized', 'tools/list', 'resources/templates/list', 'resources/read', 'resources/subscribe', 'tools/call']) expect(methods).toContain(m);
    // Two upstream sessions were opened, one per user, each with its standalone event stream (a GET agate makes itself).
    expect(seen.filter((r) => rpcMethod(r) === 'initialize').map(subjectOf).sort()).toEqual(['alice', 'bob']);
    expect(new Set(seen.filter((r) => r.method === 'GET').map(subjectOf))).toEqual(new Set(['alice', 'bob']));
    // Within one upstream session, one user only.
    const users = new Map<string, Set<string>>();
    for (const r of seen) {
      const sid = r.headers['mcp-session-id'];
      if (typeof sid !== 'string') continue;
      users.set(sid, (users.get(sid) ?? new Set()).add(subjectOf(r)!));
    }
    expect(users.size).toBe(2);
    for (const set of users.values()) expect(set.size).toBe(1);
    // Each message the user caused went with that user's token: calls and reads name their user.
    for (const r of seen.filter((x) => rpcMethod(x) === 'tools/call')) {
      const message = (r.body as { params: { arguments: { message: string } } }).params.arguments.message;
      expect(subjectOf(r)).toBe(message.split('-')[0]);
    }
    for (const r of seen.filter((x) => rpcMethod(x) === 'resources/read' || rpcMethod(x) === 'resources/subscribe')) {
      expect(`test://${subjectOf(r)}`).toBe((r.body as { params: { uri: string } }).params.uri);
    }
  });

  it('legacy HTTP+SSE upstream: the event stream and every posted message carry the caller\'s exchanged token', async () => {
    const seen = (await twoUsers('crm-sse')).filter((r) => r.path === '/sse' || r.path === '/messages');
    expect(seen.filter((r) => r.method === 'GET' && r.path === '/sse').map(subjectOf).sort()).toEqual(['alice', 'bob']);
    for (const r of seen) expect({ path: r.path, rpc: rpcMethod(r), user: subjectOf(r) }).toMatchObject({ user: expect.stringMatching(/^(alice|bob)$/) });
    // The upstream's session id is in the query, which the record leaves out: each message names its user instead.
    const methods = new Map<string, Set<string>>();
    for (const r of seen.filter((x) => x.path === '/messages')) {
      const who = subjectOf(r)!;
      const method = rpcMethod(r) ?? '';
      if (method === 'tools/call') expect(who).toBe((r.body as { params: { arguments: { message: string } } }).params.arguments.message.split('-')[0]);
      if (method === 'resources/read') expect(`test://${who}`).toBe((r.body as { params: { uri: string } }).params.uri);
      methods.set(who, (methods.get(who) ?? new Set()).add(method));
    }
    for (const who of ['alice', 'bob']) expect([...(methods.get(who) ?? [])]).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'resources/read', 'tools/call']));
  });

  it('a member that lists per user: a later user\'s session lists with its own token, never taking the earlier user\'s list', async () => {
    const connect = (who: string) => connectMcp(gw, 'crm-mine', { headers: { authorization: `Bearer ${who}-at`, 'x-api-key': keys[who]! } });
    const alice = await connect('alice');
    try {
      expect((await alice.listTools()).tools.map((t) => t.name)).toEqual(['only-for-alice']);
    } finally {
      await alice.close();
    }
    const bob = await connect('bob');
    try {
      expect((await bob.listTools()).tools.map((t) => t.name)).toEqual(['only-for-bob']);
    } finally {
      await bob.close();
    }
  });

  it('2026-07-28 requests: each user\'s list comes with its own token and is marked private (caching.mdx), kept sessions included', async () => {
    const list = (who: string) => modernPost(gw, 'crm-mine-open', { method: 'tools/list' }, { authorization: `Bearer ${who}-at`, 'x-api-key': keys[who]! });
    for (let round = 0; round < 2; round++) {
      const [alice, bob] = await Promise.all([list('alice'), list('bob')]);
      for (const [who, r] of [['alice', alice], ['bob', bob]] as const) {
        expect(r.status).toBe(200);
        expect(r.json.result.tools.map((t: { name: string }) => t.name)).toEqual([`only-for-${who}`]);
        expect(r.json.result.cacheScope).toBe('private');
      }
    }
  });

  it('the callers\' own tokens never reach the upstream as they are; one exchange per user', () => {
    for (const r of upstream.requests) expect(String(r.headers.authorization ?? '')).not.toMatch(/^Bearer (alice|bob)-at$/);
    expect(new Set(sts.requests.map((e) => e.form.subject_token))).toEqual(new Set(['alice-at', 'bob-at']));
  });
});
