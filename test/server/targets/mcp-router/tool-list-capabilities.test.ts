import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpBackendSpec } from '../../../../registry/index.js';
import { everythingFactory, everythingHosted, everythingStdio } from '../../../helpers/everything-server.js';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../helpers/remote-mcp-upstream.js';

// server-everything registers trigger-elicitation-request only for clients that declared elicitation: a list the
// gateway learnt from one client must never be what a client with other capabilities is shown.
let gw: TestGateway;
let upstream: RemoteMcpUpstream;
const clients: Client[] = [];

const CAPABLE: ClientCapabilities = { elicitation: {} };
const INCAPABLE: ClientCapabilities = {};
const TOOL = 'trigger-elicitation-request';

const backends: Array<[string, () => McpBackendSpec]> = [
  ['stdio', () => everythingStdio],
  ['remote streamable-http', () => ({ kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {} })],
  ['remote sse', () => ({ kind: 'remote', url: upstream.sseUrl, transport: 'sse', headers: {} })],
  ['hosted', () => ({ kind: 'hosted', server: 'everything', settings: {}, secretSettings: {} })],
];

beforeAll(async () => {
  upstream = await startRemoteMcpUpstream(1, 0, { server: await everythingFactory() });
  gw = await startTestGateway({ gateway: { hostedServers: new Map([['everything', await everythingHosted()]]) } });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  await gw?.stop();
  await upstream?.close();
});

async function client(server: string, capabilities: ClientCapabilities): Promise<Client> {
  const c = await connectMcp(gw, server, { capabilities });
  clients.push(c);
  if (capabilities.elicitation) c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
  return c;
}

async function toolNames(c: Client): Promise<string[]> {
  return (await c.listTools()).tools.map((t) => t.name);
}

let serial = 0;

describe.each(backends)('tool lists of a %s server depend on the client capabilities', (_kind, spec) => {
  it.each([
    ['capable client first', [CAPABLE, INCAPABLE]],
    ['incapable client first', [INCAPABLE, CAPABLE]],
  ])('%s', async (_order, order) => {
    const name = `caps-${++serial}`;
    await addMcpServer(gw, { name, backend: spec() });
    const [first, second] = [await client(name, order[0]!), await client(name, order[1]!)];
    const lists = [await toolNames(first), await toolNames(second)];
    // And again, now that both are known: neither list is replaced by the other's.
    lists.push(await toolNames(first), await toolNames(second));
    for (const [i, names] of lists.entries()) {
      const capable = order[i % 2] === CAPABLE;
      expect(names, `${capable ? 'capable' : 'incapable'} client's list #${i + 1}`).toContain('echo');
      if (capable) expect(names).toContain(TOOL);
      else expect(names).not.toContain(TOOL);
    }
    const capableClient = order[0] === CAPABLE ? first : second;
    const result = await capableClient.callTool({ name: TOOL, arguments: {} });
    expect(result.isError ?? false).toBe(false);
    expect(JSON.stringify(result.content)).toContain('declined');
  });
});
