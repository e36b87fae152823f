import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { connectModernListener, type HeardChange } from '../../../../helpers/mcp-modern.js';
import { startListenMember, type ListenMember } from '../../../../helpers/modern-listen-member.js';

// 2026-07-28 clients listening to a 2026-only member through agate: the client's subscriptions/listen is served by
// agate (downstream/serve-listen.ts) on a router session whose member link holds the member's own listen stream
// (era/member-listen.ts). What the member publishes (the v2 SDK's own listen router) must reach each client's
// stream, stamped with that client's listen id, and only the client that subscribed.

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });


describe('2026 clients listening to a 2026-only member', () => {
  let gw: TestGateway;
  let member: ListenMember;
  const keys: Record<string, string> = {};
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    member = await startListenMember();
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'notes', backend: remote(member.url) });
    await addMcpServer(gw, { name: 'desk', backend: { kind: 'bundle', members: ['notes'], separator: '__', prefix: 'always' } });
    await waitFor(() => gw.registry.memberEras.get('notes')?.era === 'modern', 'the member learnt as modern');
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await member?.close();
  });

  async function modern(who: string, server: string): Promise<{ client: ModernClient; heard: HeardChange[] }> {
    const listener = await connectModernListener(gw, server, { 'x-api-key': keys[who]! });
    open.push(listener.client);
    return listener;
  }

  it('alice and bob each hear their own resource’s update and both the member’s tool change, under their own listen ids', async () => {
    const [alice, bob] = await Promise.all([modern('alice', 'desk'), modern('bob', 'desk')]);
    const uriOf = async (client: ModernClient, who: string) => (await client.listResources()).resources.find((r) => r.uri.endsWith(`//${who}`))!.uri;
    const [aliceUri, bobUri] = await Promise.all([uriOf(alice.client, 'alice'), uriOf(bob.client, 'bob')]);
    expect(aliceUri).not.toBe('notes://alice'); // named by the bundle: the update must come back under that name
    const [subA, subB] = await Promise.all([
      alice.client.listen({ toolsListChanged: true, resourceSubscriptions: [aliceUri] }),
      bob.client.listen({ toolsListChanged: true, resourceSubscriptions: [bobUri] }),
    ]);
    open.push(subA, subB);
    expect(subA.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: [aliceUri] });
    expect(subB.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: [bobUri] });
    // The member was asked by agate, per client, for the member's own URI.
    await waitFor(() => {
      const filters = member.listens.map((l) => l.notifications?.resourceSubscriptions).filter(Boolean);
      return JSON.stringify(filters).includes('notes://alice') && JSON.stringify(filters).includes('notes://bob');
    }, 'the member to be asked for both URIs');

    member.notify.resourceUpdated('notes://alice');
    member.notify.resourceUpdated('notes://bob');
    member.addTool('fresh');
    await waitFor(() => alice.heard.some((h) => h.method.endsWith('list_changed')) && bob.heard.some((h) => h.method.endsWith('list_changed')), 'both told of the tool change');
    await waitFor(() => alice.heard.some((h) => h.method.endsWith('updated')) && bob.heard.some((h) => h.method.endsWith('updated')), 'both told of their update');
    const updates = (heard: HeardChange[]) => heard.filter((h) => h.method === 'notifications/resources/updated').map((h) => h.params.uri);
    expect(updates(alice.heard)).toEqual([aliceUri]);
    expect(updates(bob.heard)).toEqual([bobUri]);
    // Each notification carries its client's own listen id (the v2 client's `listen:N`, which its demux matched to
    // dispatch it at all), one id per client, never the id of agate's listen at the member (a number or agate's own).
    for (const { heard } of [alice, bob]) {
      const ids = new Set(heard.map((h) => h.params._meta?.[SUBSCRIPTION_ID]));
      expect([...ids]).toHaveLength(1);
      expect(String([...ids][0])).toMatch(/^listen:\d+$/);
    }
    expect((await alice.client.listTools()).tools.map((t) => t.name)).toContain('notes__fresh');
  });
});
