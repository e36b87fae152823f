import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { TestGateway } from './gateway.js';
import { connectMcp } from './mcp.js';

// Users of server-everything's trigger-elicitation-request through the gateway: each answers every elicitation
// with its own name, and the tool puts the answer in its result, so a result names the user who was asked.

/** A user who answers every elicitation with its own name and counts the ones it was asked. */
export interface ElicitationUser {
  readonly name: string;
  readonly client: Client;
  asked: number;
}

/** Connects user `name` to `/mcp/<server>` declaring elicitation; `clients` collects the client for cleanup. */
export async function elicitationUser(gw: TestGateway, server: string, name: string, clients: Client[]): Promise<ElicitationUser> {
  const client = await connectMcp(gw, server, { capabilities: { elicitation: {} } });
  clients.push(client);
  const user: ElicitationUser = { name, client, asked: 0 };
  client.setRequestHandler(ElicitRequestSchema, async () => {
    user.asked++;
    return { action: 'accept', content: { name } };
  });
  return user;
}

/** The text of a tool result. */
export function resultText(result: unknown): string {
  return (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** The name whose answer came back in this result, or `refused` when the gateway refused the server's elicitation. */
export async function elicit(user: ElicitationUser): Promise<string> {
  const result = await user.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
  const body = resultText(result);
  const name = /- Name: (\S+)/.exec(body)?.[1];
  if (name) return name;
  expect(result.isError, body).toBe(true);
  // The server reports the JSON-RPC error the gateway answered its elicitation/create with.
  expect(body).toMatch(/Refused elicitation\/create from MCP server \S+: it cannot be attributed to exactly one client session/);
  return 'refused';
}

/** `users` call the elicitation tool `rounds` times each, all at once; counts whose answers came back. */
export async function elicitationRace(users: ElicitationUser[], rounds: number) {
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
