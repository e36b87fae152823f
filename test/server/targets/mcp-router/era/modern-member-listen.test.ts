import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../../helpers/mcp.js';
import { META, MODERN } from '../../../../helpers/mcp-modern.js';
import { startListenMember, type ListenMember } from '../../../../helpers/modern-listen-member.js';

// 2025 clients subscribing to a 2026-only member's resources and hearing of its list changes: agate holds one
// subscriptions/listen stream per session to the member (2026-07-28 has neither resources/subscribe nor a
// standalone GET stream). The member is the v2 SDK's own server; what it sends is the SDK's listen router's.

const remote = (url: string) => ({ kind: 'remote' as const, url, transport: 'streamable-http' as const, headers: {}, secretHeaders: {} });
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** A 2025 client and what reached its session's GET stream. */
interface Listener {
  client: Client;
  updated: string[];
  updatedMeta: unknown[];
  toolChanges: number;
}

describe('2025 clients of a 2026-only member: resources/subscribe and list_changed over subscriptions/listen', () => {
  let gw: TestGateway;
  let member: ListenMember;
  let declining: ListenMember;
  let dropping: ListenMember;
  let slow: ListenMember;
  const keys: Record<string, string> = {};
  const open: Client[] = [];

  beforeAll(async () => {
    member = await startListenMember();
    declining = await startListenMember({ refuse: ['notes://shared'] });
    dropping = await startListenMember();
    slow = await startListenMember({ slowAck: { uri: 'notes://bob', ms: 300 } });
    gw = await startTestGateway({ gateway: { mcp: { eraProbe: { probeTimeoutMs: 5_000 } } } });
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name, groups: [] }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    await addMcpServer(gw, { name: 'notes', backend: remote(member.url) });
    await addMcpServer(gw, { name: 'desk', backend: { kind: 'bundle', members: ['notes'], separator: '__', prefix: 'always' } });
    await addMcpServer(gw, { name: 'picky', backend: remote(declining.url) });
    await addMcpServer(gw, { name: 'flaky', backend: remote(dropping.url) });
    await addMcpServer(gw, { name: 'slow', backend: remote(slow.url) });
    await waitFor(() => gw.registry.memberEras.get('notes')?.era === 'modern', 'the member learnt as modern');
    await waitFor(() => gw.registry.memberEras.get('picky')?.era === 'modern', 'the declining member learnt as modern');
    await waitFor(() => gw.registry.memberEras.get('flaky')?.era === 'modern', 'the dropping member learnt as modern');
    await waitFor(() => gw.registry.memberEras.get('slow')?.era === 'modern', 'the slow member learnt as modern');
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await gw?.stop();
    await Promise.all([member?.close(), declining?.close(), dropping?.close(), slow?.close()]);
  });

  async function listener(server: string, who: string): Promise<Listener> {
    const client = await connectMcp(gw, server, { headers: { 'x-api-key': keys[who]! } });
    open.push(client);
    const seen: Listener = { client, updated: [], updatedMeta: [], toolChanges: 0 };
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      seen.updated.push(n.params.uri);
      seen.updatedMeta.push(n.params._meta);
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.toolChanges++);
    return seen;
  }

  /** The URI the client was shown for the member's `uri` (agate's naming: the listing is the client's source). */
  async function shownUri(client: Client, uri: string): Promise<string> {
    const { resources } = await client.listResources();
    const note = resources.find((r) => r.uri.endsWith(uri.slice('notes://'.length)));
    expect(note, `a resource for ${uri}`).toBeDefined();
    return note!.uri;
  }

  it('alice and bob each hear of their own resource only, and of the tool list change both; unsubscribing stops it', async () => {
    const [alice, bob] = await Promise.all([listener('desk', 'alice'), listener('desk', 'bob')]);
    // The initialize answer made from server/discover offers subscriptions, as the member declares them.
    expect(alice.client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const aliceUri = await shownUri(alice.client, 'notes://alice');
    const bobUri = await shownUri(bob.client, 'notes://bob');
    expect(aliceUri).not.toBe('notes://alice'); // the bundle names it: what the client gets back must be that name
    await Promise.all([alice.client.subscribeResource({ uri: aliceUri }), bob.client.subscribeResource({ uri: bobUri })]);
    // Each session's listen filter names its own URI only, with the 2026 envelope.
    const filters = member.listens.map((l) => l.notifications?.resourceSubscriptions).filter(Boolean);
    expect(filters).toEqual(expect.arrayContaining([['notes://alice'], ['notes://bob']]));
    for (const seen of member.listens) {
      expect(seen.meta?.[META.protocolVersion]).toBe(MODERN);
      expect(seen.mcpMethodHeader).toBe('subscriptions/listen');
      expect(seen.notifications).toMatchObject({ toolsListChanged: true, resourcesListChanged: true });
    }

    member.notify.resourceUpdated('notes://alice');
    member.notify.resourceUpdated('notes://bob');
    member.addTool('fresh');
    await waitFor(() => alice.toolChanges > 0 && bob.toolChanges > 0, 'both told of the tool list change');
    await waitFor(() => alice.updated.length > 0 && bob.updated.length > 0, 'both told of their update');
    // The updates went before the list change on each stream: had either been told of the other's, it would be here.
    expect(alice.updated).toEqual([aliceUri]);
    expect(bob.updated).toEqual([bobUri]);
    // The subscription's _meta key is the member's stream's, not the client's.
    expect(alice.updatedMeta.every((meta) => !(typeof meta === 'object' && meta !== null && SUBSCRIPTION_ID in meta))).toBe(true);
    // A re-list shows the new tool (the router re-listed on the member's list_changed).
    expect((await alice.client.listTools()).tools.map((t) => t.name)).toContain('notes__fresh');
    expect((await bob.client.listTools()).tools.map((t) => t.name)).toContain('notes__fresh');

    await alice.client.unsubscribeResource({ uri: aliceUri });
    const changesBefore = alice.toolChanges;
    member.notify.resourceUpdated('notes://alice');
    member.notify.resourceUpdated('notes://bob');
    member.addTool('fresher');
    await waitFor(() => alice.toolChanges > changesBefore && bob.updated.length === 2, 'the second round reached both');
    expect(alice.updated).toEqual([aliceUri]);
    expect(bob.updated).toEqual([bobUri, bobUri]);
    // Unsubscribing narrowed alice's filter at the member: no URI left in it.
    expect(member.listens.at(-1)?.notifications?.resourceSubscriptions).toBeUndefined();
  });

  it('a listen stream the member drops is opened again, and a later update still arrives', async () => {
    const [alice, bob] = await Promise.all([listener('flaky', 'alice'), listener('flaky', 'bob')]);
    await Promise.all([alice.client.subscribeResource({ uri: 'notes://shared' }), bob.client.subscribeResource({ uri: 'notes://bob' })]);
    // One stream per session: the one opened before the subscription was closed once its successor was acknowledged.
    await waitFor(() => dropping.openListens() === 2, 'one listen stream per session');
    const before = dropping.listens.length;
    dropping.dropListens();
    await waitFor(() => dropping.listens.length === before + 2 && dropping.openListens() === 2, 'both listen streams opened again');
    dropping.notify.resourceUpdated('notes://shared');
    dropping.notify.resourceUpdated('notes://bob');
    await waitFor(() => alice.updated.length > 0 && bob.updated.length > 0, 'the updates after the drop arrived');
    expect(alice.updated).toEqual(['notes://shared']);
    expect(bob.updated).toEqual(['notes://bob']);
    // The streams opened again carry the same filters.
    const reopened = dropping.listens.slice(before).map((l) => l.notifications?.resourceSubscriptions);
    expect(reopened).toEqual(expect.arrayContaining([['notes://shared'], ['notes://bob']]));
  });

  it('while a new filter is being acknowledged the old stream still delivers, and what both deliver reaches the client once', async () => {
    const alice = await listener('slow', 'alice');
    await alice.client.subscribeResource({ uri: 'notes://alice' });
    // The new stream (alice's URI and bob's) is held before its acknowledgement; the old one still serves.
    const widening = alice.client.subscribeResource({ uri: 'notes://bob' });
    await waitFor(() => slow.listens.some((l) => (l.notifications?.resourceSubscriptions as string[] | undefined)?.includes('notes://bob')), 'the new listen reached the member');
    await waitFor(() => slow.openListens() === 2, 'both streams open at the member');
    slow.notify.resourceUpdated('notes://alice');
    await waitFor(() => alice.updated.length > 0, 'the old stream delivered the update');
    await widening;
    // The new stream delivered the same update behind its acknowledgement; a barrier on that stream shows it passed.
    slow.addTool('later');
    await waitFor(() => alice.toolChanges > 0, 'the list change after the switch');
    expect(alice.updated).toEqual(['notes://alice']);
    // The old stream was closed once the new one was acknowledged.
    await waitFor(() => slow.openListens() === 1, 'one stream left');
  });

  it('a session follows at most 256 URIs on a member (GW_ERR_MCP_SUBSCRIPTION_LIMIT); another session is not affected', async () => {
    const [alice, bob] = await Promise.all([listener('notes', 'alice'), listener('notes', 'bob')]);
    const uris = Array.from({ length: 256 }, (_, i) => `notes://many/${i}`);
    // In rounds of 32 at once (each round one or two listen filters at the member).
    for (let i = 0; i < uris.length; i += 32) await Promise.all(uris.slice(i, i + 32).map((uri) => alice.client.subscribeResource({ uri })));
    const over = await alice.client.subscribeResource({ uri: 'notes://many/256' }).then(
      () => undefined,
      (e: unknown) => e as { code: number; data?: { code?: string; server?: string } },
    );
    expect(over).toMatchObject({ code: -32000, data: { code: 'GW_ERR_MCP_SUBSCRIPTION_LIMIT', server: 'notes' } });
    await bob.client.subscribeResource({ uri: 'notes://bob' });
    // Room again once one is given up; the member was never asked for more than 256.
    await alice.client.unsubscribeResource({ uri: 'notes://many/0' });
    await alice.client.subscribeResource({ uri: 'notes://many/256' });
    const sizes = member.listens.map((l) => (l.notifications?.resourceSubscriptions as string[] | undefined)?.length ?? 0);
    expect(Math.max(...sizes)).toBe(256);
  });

  it('a URI the member leaves out of its acknowledgement is refused with a specific error, the others taken', async () => {
    const alice = await listener('picky', 'alice');
    const refused = await alice.client.subscribeResource({ uri: 'notes://shared' }).then(
      () => undefined,
      (e: unknown) => e as { code: number; data?: { code?: string; uri?: string; server?: string } },
    );
    expect(refused).toMatchObject({ code: -32602, data: { code: 'GW_ERR_MCP_SUBSCRIPTION_REFUSED', server: 'picky', uri: 'notes://shared' } });
    await alice.client.subscribeResource({ uri: 'notes://alice' });
    declining.notify.resourceUpdated('notes://alice');
    await waitFor(() => alice.updated.length > 0, 'the update of the URI taken');
    expect(alice.updated).toEqual(['notes://alice']);
  });
});
