import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elicitationRace, elicitationUser } from '../../../helpers/elicitation-users.js';
import { everythingFactory } from '../../../helpers/everything-server.js';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer } from '../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../helpers/remote-mcp-upstream.js';

// Users of one remote server-everything through the gateway: every elicitation its tool sends reaches the user
// whose call caused it, over Streamable HTTP and over the legacy HTTP+SSE transport.
let gw: TestGateway;
let upstream: RemoteMcpUpstream;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startRemoteMcpUpstream(1, 0, { server: await everythingFactory() });
  gw = await startTestGateway();
  await addMcpServer(gw, { name: 'streamable', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} } });
  await addMcpServer(gw, { name: 'sse', backend: { kind: 'remote', url: upstream.sseUrl, transport: 'sse', headers: {} } });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await gw?.stop();
  await upstream?.close();
});

describe.each(['streamable', 'sse'])('server→client requests from a remote %s server', (server) => {
  it.each([2, 10])('%i concurrent users x 200 rounds: every one answered by its own user', async (n) => {
    const users = await Promise.all(Array.from({ length: n }, (_, i) => elicitationUser(gw, server, `${server}${n}-${i}`, clients)));
    const outcome = await elicitationRace(users, 200);
    expect(outcome).toEqual({ own: n * 200, refused: 0, misrouted: 0 });
    for (const u of users) expect(u.asked).toBe(200);
  }, 300_000);
});
