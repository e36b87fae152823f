import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elicit, elicitationRace, elicitationUser, resultText } from '../../../helpers/elicitation-users.js';
import { everythingStdio } from '../../../helpers/everything-server.js';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

// Two users on one stdio server: a server→client request reaches only the session whose call caused it, one that
// cannot be attributed is refused to the server, and one session's roots never reach a process another one uses.
let gw: TestGateway;
const clients: Client[] = [];
const user = (server: string, name: string) => elicitationUser(gw, server, name, clients);

beforeAll(async () => {
  gw = await startTestGateway();
  await addMcpServer(gw, { name: 'shared', backend: everythingStdio });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await gw?.stop();
});

describe('server→client requests over a shared stdio process', () => {
  it('goes to the one session with a request in flight', async () => {
    const [a, b] = [await user('shared', 'alice'), await user('shared', 'bob')];
    expect(await elicit(a)).toBe('alice');
    expect(await elicit(b)).toBe('bob');
    expect([a.asked, b.asked]).toEqual([1, 1]);
  });

  it('is refused to the server, never guessed, while another session has a request in flight', async () => {
    const [a, b] = [await user('shared', 'carol'), await user('shared', 'dave')];
    // dave's slow call is in flight the whole time carol's tool asks its question.
    let progressed = false;
    const slow = b.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 3 } }, undefined, {
      onprogress: () => void (progressed = true),
    });
    await waitFor(() => progressed, "dave's call to be running upstream");
    expect(await elicit(a)).toBe('refused');
    expect(resultText(await slow)).toContain('Steps: 3');
    expect([a.asked, b.asked]).toEqual([0, 0]);
  });

  it.each([2, 10])('%i concurrent users x 200 rounds: none misrouted', async (n) => {
    const users = await Promise.all(Array.from({ length: n }, (_, i) => user('shared', `shared${n}-${i}`)));
    const outcome = await elicitationRace(users, 200);
    expect(outcome.misrouted).toBe(0);
    expect(outcome.own + outcome.refused).toBe(n * 200);
    expect(users.reduce((sum, u) => sum + u.asked, 0)).toBe(outcome.own);
  }, 300_000);
});

describe('server→client requests with isolation: per-session', () => {
  beforeAll(() => addMcpServer(gw, { name: 'isolated', backend: { ...everythingStdio, isolation: 'per-session' } }));

  it.each([2, 10])('%i concurrent users x 200 rounds: every one answered by its own user', async (n) => {
    const users = await Promise.all(Array.from({ length: n }, (_, i) => user('isolated', `own${n}-${i}`)));
    const outcome = await elicitationRace(users, 200);
    expect(outcome).toEqual({ own: n * 200, refused: 0, misrouted: 0 });
    for (const u of users) expect(u.asked).toBe(200);
  }, 300_000);
});

describe('roots', () => {
  async function rootsUser(server: string, root: string): Promise<Client> {
    const client = await connectMcp(gw, server, { capabilities: { roots: { listChanged: true } } });
    clients.push(client);
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: root, name: root }] }));
    return client;
  }

  it("one session's roots never reach a process that serves another session", async () => {
    const a = await rootsUser('shared', 'file:///home/alice');
    const b = await rootsUser('shared', 'file:///home/bob');
    const listA = resultText(await a.callTool({ name: 'get-roots-list', arguments: {} }));
    const listB = resultText(await b.callTool({ name: 'get-roots-list', arguments: {} }));
    expect(listA).toContain('file:///home/alice');
    expect(listA).not.toContain('bob');
    expect(listB).toContain('file:///home/bob');
    expect(listB).not.toContain('alice');
  });

  it('isolation: shared never tells the process of roots, so it neither asks for them nor offers its roots tool', async () => {
    await addMcpServer(gw, { name: 'shared-no-roots', backend: { ...everythingStdio, isolation: 'shared' } });
    let asked = 0;
    const client = await connectMcp(gw, 'shared-no-roots', { capabilities: { roots: { listChanged: true } } });
    clients.push(client);
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      asked++;
      return { roots: [{ uri: 'file:///home/erin', name: 'erin' }] };
    });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('get-roots-list');
    await client.sendRootsListChanged();
    expect(resultText(await client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('Echo: after');
    expect(asked).toBe(0);
  });
});
