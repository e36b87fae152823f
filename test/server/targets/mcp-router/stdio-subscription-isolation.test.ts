import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { everythingStdio } from '../../../helpers/everything-server.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

// Resource subscriptions on one stdio process that several sessions share. The reference server keeps one set of
// subscribed URIs per transport session (stdio has one), and `toggle-subscriber-updates` makes it send
// `notifications/resources/updated` for each of them at once and then every 5 s (server-everything
// src/resources/subscriptions.ts). An update is one subscriber's business: it must reach only the sessions that
// subscribed to that URI, and one session's unsubscribe must not end another's updates.
let gw: TestGateway;
const clients: Client[] = [];

interface Subscriber {
  client: Client;
  updates: string[];
}

async function subscriber(): Promise<Subscriber> {
  const client = await connectMcp(gw, 'shared');
  clients.push(client);
  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  await client.listTools(); // opens this session's upstream session on the shared process
  return { client, updates };
}

const toggleUpdates = (s: Subscriber) => s.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });

beforeAll(async () => {
  gw = await startTestGateway();
  await addMcpServer(gw, { name: 'shared', backend: { ...everythingStdio, isolation: 'shared' } });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await gw?.stop();
});

describe('resource subscriptions on a shared stdio process', () => {
  it("deliver an update only to the sessions subscribed to it, and one session's unsubscribe keeps another's", async () => {
    const [alice, bob] = [await subscriber(), await subscriber()];
    const { resources } = await alice.client.listResources();
    const uri = resources[0]!.uri;
    await alice.client.subscribeResource({ uri });
    await toggleUpdates(alice);
    onTestFinished(() => void toggleUpdates(alice).catch(() => {}));
    // One update at once, the next 5 s later: two to alice, none to bob, who never subscribed.
    await waitFor(() => alice.updates.length >= 2, 'two updates for alice', 12_000);
    expect(alice.updates.every((u) => u === uri)).toBe(true);
    expect(bob.updates).toEqual([]);

    // Bob subscribes and unsubscribes again: alice is still subscribed, so her updates go on (the process must not
    // hear bob's unsubscribe), and bob gets none after his unsubscribe was answered.
    await bob.client.subscribeResource({ uri });
    await bob.client.unsubscribeResource({ uri });
    const bobBefore = bob.updates.length;
    const aliceBefore = alice.updates.length;
    await waitFor(() => alice.updates.length > aliceBefore, 'the next update for alice after bob left', 12_000);
    expect(bob.updates.length).toBe(bobBefore);
  }, 40_000);
});
