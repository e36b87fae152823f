import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { hostedServers } from '../../../../../servers/index.js';
import { withClock } from '../../../../fixtures/clock-server.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { connectModernListener, connectModernMcp, type HeardChange, envelope, modernPost, MODERN } from '../../../../helpers/mcp-modern.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { resourceFeed, type ResourceFeed } from '../../../../helpers/resource-feed.js';

// 2026-07-28 subscriptions/listen through agate, driven by the v2 SDK client's listen(): the stream's filter and
// acknowledgement, resource updates per consumer, tool changes from the registry, limits and endings. The
// members are 2025 servers on the v1 SDK (remote) and a hosted one.

/** The `_meta` key of a listen's id on everything its stream carries (2026-07-28 schema, v2 SDK core). */
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const LISTEN_CAP = 2;


describe('2026-07-28 subscriptions/listen', () => {
  let gw: TestGateway;
  let feedA: ResourceFeed;
  let feedB: ResourceFeed;
  let upA: RemoteMcpUpstream;
  let upB: RemoteMcpUpstream;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    feedA = resourceFeed('feed');
    feedB = resourceFeed('vault');
    upA = await startRemoteMcpUpstream(1, 0, { server: () => feedA.server() });
    upB = await startRemoteMcpUpstream(1, 0, { server: () => feedB.server() });
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers), mcp: { keepAliveMs: 50, maxListensPerClient: LISTEN_CAP } } });
    for (const name of ['alice', 'bob', 'carol']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'feed', backend: { kind: 'remote', url: upA.url, transport: 'streamable-http', headers: {} } });
    // Only alice may use the vault: bob reaches none of its resources, through the bundle or otherwise.
    await addMcpServer(gw, { name: 'vault', backend: { kind: 'remote', url: upB.url, transport: 'streamable-http', headers: {} }, access: { consumers: ['alice'] } });
    await addMcpServer(gw, { name: 'time', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} } });
    await addMcpServer(gw, { name: 'desk', backend: { kind: 'bundle', members: ['feed', 'vault', 'time'], separator: '__', prefix: 'always' } });
  }, 30_000);
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await upA?.close();
    await upB?.close();
  });

  async function modern(who: string, server: string): Promise<{ client: ModernClient; heard: HeardChange[] }> {
    const listener = await connectModernListener(gw, server, { 'x-api-key': keys[who]! });
    open.push(listener.client);
    return listener;
  }

  it('server/discover offers list changes and resource subscriptions now that they can be delivered', async () => {
    const { json } = await modernPost(gw, 'desk', { method: 'server/discover' }, { 'x-api-key': keys.alice! });
    expect(json.result.capabilities).toMatchObject({ tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } });
  });

  it('alice and bob listen at once: each hears only its own resources, and bob is not subscribed to the vault he may not use', async () => {
    const [alice, bob] = await Promise.all([modern('alice', 'desk'), modern('bob', 'desk')]);
    const [subA, subB] = await Promise.all([
      alice.client.listen({ resourceSubscriptions: ['feed+feed://a', 'vault+feed://secret'] }),
      bob.client.listen({ resourceSubscriptions: ['feed+feed://b', 'vault+feed://secret', 'nomember+feed://x'] }),
    ]);
    expect(subA.honoredFilter).toEqual({ resourceSubscriptions: ['feed+feed://a', 'vault+feed://secret'] });
    // The ack narrows bob's filter: the vault is not his to read, and no member is called `nomember`.
    expect(subB.honoredFilter).toEqual({ resourceSubscriptions: ['feed+feed://b'] });
    expect([feedA.subscribers('feed://a'), feedA.subscribers('feed://b'), feedB.subscribers('feed://secret')]).toEqual([1, 1, 1]);
    expect(await feedA.update('feed://a')).toBe(1);
    expect(await feedA.update('feed://b')).toBe(1);
    expect(await feedB.update('feed://secret')).toBe(1);
    await waitFor(() => alice.heard.length >= 2 && bob.heard.length >= 1, 'both listeners to hear their updates');
    const uris = (h: HeardChange[]) => h.map((e) => [e.method, e.params.uri]).sort();
    expect(uris(alice.heard)).toEqual([
      ['notifications/resources/updated', 'feed+feed://a'],
      ['notifications/resources/updated', 'vault+feed://secret'],
    ]);
    expect(uris(bob.heard)).toEqual([['notifications/resources/updated', 'feed+feed://b']]);
    for (const e of alice.heard) expect(e.params._meta?.[SUBSCRIPTION_ID]).toMatch(/^listen:/);
    await Promise.all([subA.close(), subB.close()]);
  });

  it('closing a listen ends its upstream subscriptions and its upstream session', async () => {
    const alice = await modern('alice', 'feed');
    const sub = await alice.client.listen({ resourceSubscriptions: ['feed://closing'] });
    expect(feedA.subscribers('feed://closing')).toBe(1);
    expect(feedA.subscriberOpen('feed://closing')).toBe(true);
    await sub.close();
    expect(await sub.closed).toBe('local');
    await waitFor(() => feedA.subscribers('feed://closing') === 0, 'the upstream subscription to end');
    await waitFor(() => feedA.subscriberOpen('feed://closing') === false, 'the upstream session to end');
    const told = upA.requests.filter((r) => (r.body as { method?: string } | undefined)?.method === 'resources/unsubscribe');
    expect(told.map((r) => (r.body as { params: { uri: string } }).params.uri)).toContain('feed://closing');
  });

  it('alice and bob both hear tools/list_changed when the registry changes the server, and a re-list shows the change', async () => {
    const [alice, bob] = await Promise.all([modern('alice', 'time'), modern('bob', 'time')]);
    expect((await alice.client.listTools()).tools.map((t) => t.name)).toEqual(['get_current_time']);
    const subs = await Promise.all([alice.client.listen({ toolsListChanged: true, promptsListChanged: true }), bob.client.listen({ toolsListChanged: true })]);
    // The clock offers no prompts: that part of alice's filter is not honoured.
    expect(subs.map((s) => s.honoredFilter)).toEqual([{ toolsListChanged: true }, { toolsListChanged: true }]);
    gw.registry.mcpServers.update({ name: 'time', backend: { kind: 'remote', url: upA.url, transport: 'streamable-http', headers: {} } }, 'cli');
    await waitFor(() => alice.heard.length > 0 && bob.heard.length > 0, 'both listeners to hear the tool change');
    // (The member's reconnect and the config change may each say so: one change, told at least once.)
    for (const { heard } of [alice, bob]) expect(new Set(heard.map((h) => h.method))).toEqual(new Set(['notifications/tools/list_changed']));
    const [toolsA, toolsB] = await Promise.all([alice.client.listTools(), bob.client.listTools()]);
    expect(toolsA.tools.map((t) => t.name)).toEqual(['echo']);
    expect(toolsB.tools.map((t) => t.name)).toEqual(['echo']);
    await Promise.all(subs.map((s) => s.close()));
  });

  it(`refuses a client's listen beyond ${LISTEN_CAP} with GW_ERR_MCP_CLIENT_LISTEN_LIMIT; another client still listens, and a closed one frees its slot`, async () => {
    const carol = await modern('carol', 'feed');
    const held = [await carol.client.listen({ toolsListChanged: true }), await carol.client.listen({ toolsListChanged: true })];
    const refused = await listenRaw('feed', keys.carol!, { toolsListChanged: true });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ id: 'raw-listen', error: { code: -32000, data: { code: 'GW_ERR_MCP_CLIENT_LISTEN_LIMIT' } } });
    await expect(carol.client.listen({ toolsListChanged: true })).rejects.toThrow(/GW_ERR_MCP_CLIENT_LISTEN_LIMIT/);
    const bob = await modern('bob', 'feed');
    const bobs = await waitFor(() => bob.client.listen({ toolsListChanged: true }).catch(() => undefined), 'bob to listen');
    await held.shift()!.close();
    const again = await waitFor(() => carol.client.listen({ toolsListChanged: true }).catch(() => undefined), 'the closed listen to free its slot');
    await Promise.all([...held, again, bobs].map((s) => s.close()));
  });

  it.each([
    ['no notifications', { _meta: envelope() }, 'params.notifications'],
    ['a flag that is not a boolean', { notifications: { toolsListChanged: 'yes' }, _meta: envelope() }, 'params.notifications.toolsListChanged'],
    ['URIs that are not an array', { notifications: { resourceSubscriptions: 'feed://a' }, _meta: envelope() }, 'params.notifications.resourceSubscriptions'],
    ['a URI that is not a string', { notifications: { resourceSubscriptions: ['feed://a', 7] }, _meta: envelope() }, 'params.notifications.resourceSubscriptions[1]'],
    ['more URIs than one listen may hold', { notifications: { resourceSubscriptions: Array.from({ length: 65 }, (_, i) => `feed://${i}`) }, _meta: envelope() }, 'params.notifications.resourceSubscriptions'],
  ])('answers a listen with %s -32602 naming the field', async (_what, params, field) => {
    const res = await modernPost(gw, 'feed', { id: 9, method: 'subscriptions/listen', params }, { 'x-api-key': keys.alice! });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ id: 9, error: { code: -32602, data: { code: 'GW_ERR_MCP_INVALID_PARAMS' } } });
    expect(res.json.error.message).toContain(field);
  });

  it('the raw stream: the acknowledgement first, stamped with the listen id, then keep-alive comments while idle', async () => {
    const res = await fetch(`${gw.url}/mcp/feed`, { method: 'POST', headers: listenHeaders(keys.bob!), body: listenBody({ toolsListChanged: true, resourcesListChanged: false }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': keepalive')) text += new TextDecoder().decode((await reader.read()).value);
    const first = JSON.parse(/^data: (.*)$/m.exec(text)![1]!);
    expect(first).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { toolsListChanged: true }, _meta: { [SUBSCRIPTION_ID]: 'raw-listen' } },
    });
    await reader.cancel();
  });

  it('notifications/cancelled naming the listen ends it (no result: the client gave up) and unsubscribes upstream; another consumer cannot cancel it', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'to-cancel', method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['feed://cancelled'] }, _meta: envelope() } });
    const res = await fetch(`${gw.url}/mcp/feed`, { method: 'POST', headers: listenHeaders(keys.alice!), body });
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('notifications/subscriptions/acknowledged');
    // bob names alice's listen id: his own listens are looked up, not hers.
    await rawNotify(keys.bob!, 'to-cancel');
    expect(feedA.subscribers('feed://cancelled')).toBe(1);
    await rawNotify(keys.alice!, 'to-cancel');
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).not.toContain('"result"');
    await waitFor(() => feedA.subscribers('feed://cancelled') === 0, 'the cancelled listen to unsubscribe upstream');
  });

  /** A raw 2026 notifications/cancelled naming `requestId`. */
  async function rawNotify(key: string, requestId: string): Promise<void> {
    const headers = { ...listenHeaders(key), 'mcp-method': 'notifications/cancelled' };
    const res = await fetch(`${gw.url}/mcp/feed`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, _meta: envelope() } }) });
    expect(res.status).toBe(202);
  }

  /** A raw listen POST (the client cannot be made to exceed its server's limits on purpose); its JSON when refused. */
  async function listenRaw(server: string, key: string, notifications: Record<string, unknown>): Promise<{ status: number; json: any }> {
    const res = await fetch(`${gw.url}/mcp/${server}`, { method: 'POST', headers: listenHeaders(key), body: listenBody(notifications) });
    if (res.status === 200) {
      await res.body?.cancel();
      return { status: 200, json: undefined };
    }
    return { status: res.status, json: await res.json() };
  }
});

function listenHeaders(key: string): Record<string, string> {
  return { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen', 'x-api-key': key };
}

function listenBody(notifications: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 'raw-listen', method: 'subscriptions/listen', params: { notifications, _meta: envelope() } });
}

describe('2026-07-28 subscriptions/listen at shutdown', () => {
  it('a server removed from the registry ends its listens gracefully', async () => {
    const feed = resourceFeed('feed');
    const upstream = await startRemoteMcpUpstream(1, 0, { server: () => feed.server() });
    const gw = await startTestGateway();
    try {
      await addMcpServer(gw, { name: 'gone', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} } });
      const client = await connectModernMcp(gw, 'gone');
      const sub = await client.listen({ toolsListChanged: true });
      gw.registry.mcpServers.remove('gone', 'cli');
      expect(await sub.closed).toBe('graceful');
      await waitFor(() => feed.sessions() === 0, 'the upstream session to end');
      await client.close();
    } finally {
      await gw.stop();
      await upstream.close();
    }
  });

  it('a gateway that stops ends every listen gracefully (the listen result, not a cut stream)', async () => {
    const feed = resourceFeed('feed');
    const upstream = await startRemoteMcpUpstream(1, 0, { server: () => feed.server() });
    const gw = await startTestGateway();
    try {
      await addMcpServer(gw, { name: 'feed', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} } });
      const client = await connectModernMcp(gw, 'feed');
      const sub = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['feed://x'] });
      expect(sub.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: ['feed://x'] });
      await gw.stop();
      expect(await sub.closed).toBe('graceful');
      await client.close();
    } finally {
      await upstream.close();
    }
  });
});
