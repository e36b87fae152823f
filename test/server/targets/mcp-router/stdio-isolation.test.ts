import { createRequire } from 'node:module';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';

// Two users on one stdio server: a server→client request reaches only the session whose call caused it, one that
// cannot be attributed is refused to the server, and one session's roots never reach a process another one uses.
const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

const stdioEverything = { kind: 'stdio' as const, command: process.execPath, args: [everything, 'stdio'], env: {} };
let gw: TestGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  await addMcpServer(gw, { name: 'shared', backend: stdioEverything });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await gw?.stop();
});

/** A user who answers every elicitation with its own name and records the ones it was asked. */
interface User {
  readonly name: string;
  readonly client: Client;
  asked: number;
}

async function user(server: string, name: string): Promise<User> {
  const client = await connectMcp(gw, server, { capabilities: { elicitation: {} } });
  clients.push(client);
  const u: User = { name, client, asked: 0 };
  client.setRequestHandler(ElicitRequestSchema, async () => {
    u.asked++;
    return { action: 'accept', content: { name } };
  });
  return u;
}

function text(result: unknown): string {
  return (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** The name whose answer came back in this result, or `refused` when the gateway refused the elicitation. */
async function elicit(u: User): Promise<string> {
  const result = await u.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
  const body = text(result);
  const name = /- Name: (\S+)/.exec(body)?.[1];
  if (name) return name;
  expect(result.isError, body).toBe(true);
  // The server reports the JSON-RPC error the gateway answered its elicitation/create with.
  expect(body).toContain('Refused elicitation/create from MCP server shared: it cannot be attributed to exactly one client session');
  return 'refused';
}

/** `users` call the elicitation tool `rounds` times each, all at once; counts what came back. */
async function race(users: User[], rounds: number) {
  const outcome = { own: 0, refused: 0, misrouted: 0 };
  await Promise.all(
    users.map(async (u) => {
      for (let i = 0; i < rounds; i++) {
        const got = await elicit(u);
        if (got === u.name) outcome.own++;
        else if (got === 'refused') outcome.refused++;
        else outcome.misrouted++;
      }
    }),
  );
  return outcome;
}

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
    expect(text(await slow)).toContain('Steps: 3');
    expect([a.asked, b.asked]).toEqual([0, 0]);
  });

  it.each([2, 10])('%i concurrent users x 200 rounds: none misrouted', async (n) => {
    const users = await Promise.all(Array.from({ length: n }, (_, i) => user('shared', `shared${n}-${i}`)));
    const outcome = await race(users, 200);
    expect(outcome.misrouted).toBe(0);
    expect(outcome.own + outcome.refused).toBe(n * 200);
    expect(users.reduce((sum, u) => sum + u.asked, 0)).toBe(outcome.own);
  }, 120_000);
});

describe('server→client requests with isolation: per-session', () => {
  beforeAll(() => addMcpServer(gw, { name: 'isolated', backend: { ...stdioEverything, isolation: 'per-session' } }));

  it.each([2, 10])('%i concurrent users x 200 rounds: every one answered by its own user', async (n) => {
    const users = await Promise.all(Array.from({ length: n }, (_, i) => user('isolated', `own${n}-${i}`)));
    const outcome = await race(users, 200);
    expect(outcome).toEqual({ own: n * 200, refused: 0, misrouted: 0 });
    for (const u of users) expect(u.asked).toBe(200);
  }, 120_000);
});

describe('roots', () => {
  async function rootsUser(server: string, root: string): Promise<{ client: Client; asked: () => number }> {
    const client = await connectMcp(gw, server, { capabilities: { roots: { listChanged: true } } });
    clients.push(client);
    let asked = 0;
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      asked++;
      return { roots: [{ uri: root, name: root }] };
    });
    return { client, asked: () => asked };
  }

  it("one session's roots never reach a process that serves another session", async () => {
    const a = await rootsUser('shared', 'file:///home/alice');
    const b = await rootsUser('shared', 'file:///home/bob');
    const listA = text(await a.client.callTool({ name: 'get-roots-list', arguments: {} }));
    const listB = text(await b.client.callTool({ name: 'get-roots-list', arguments: {} }));
    expect(listA).toContain('file:///home/alice');
    expect(listA).not.toContain('bob');
    expect(listB).toContain('file:///home/bob');
    expect(listB).not.toContain('alice');
  });
});
