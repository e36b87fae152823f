import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { HostedServerDefinition } from '../../../../../servers/index.js';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { connectModernMcp, envelope, modernPost } from '../../../../helpers/mcp-modern.js';

// `x-mcp-header` (2026-07-28 basic/transports/streamable-http.mdx §Custom Headers from Tool Parameters): a tool
// parameter so annotated is mirrored by the client as `Mcp-Param-{Name}`; a server that processes the body MUST
// reject a missing, different or malformed header with 400 + -32020, and MUST NOT expect one for an absent or null value.

/** The spec's own example tool (execute_sql, region → Mcp-Param-Region), plus an integer and a nested boolean. */
const SQL_TOOL = {
  name: 'execute_sql',
  description: 'Execute SQL',
  inputSchema: {
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      query: { type: 'string' },
      shard: { type: 'integer', 'x-mcp-header': 'Shard' },
      options: { type: 'object', properties: { dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' } } },
    },
    required: ['region', 'query'],
  },
};

function sqlServer(): HostedServerDefinition {
  return {
    name: 'sql',
    title: 'SQL',
    version: '1.0.0',
    description: 'x-mcp-header fixture',
    settings: [],
    createServer() {
      const server = new McpServer({ name: 'sql', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [SQL_TOOL] }));
      server.server.setRequestHandler(CallToolRequestSchema, (req) => ({ content: [{ type: 'text', text: `ran in ${String(req.params.arguments?.region)}` }] }));
      return server;
    },
  };
}

describe('Mcp-Param-* headers of x-mcp-header parameters', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: new Map([['sql', sqlServer()]]) } });
    await addMcpServer(gw, { name: 'db', backend: { kind: 'hosted', server: 'sql', settings: {}, secretSettings: {} } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const sql = (args: Record<string, unknown>) => ({ id: 9, method: 'tools/call', params: { name: 'execute_sql', arguments: { query: 'SELECT 1', ...args }, _meta: envelope() } });

  it('the v2 SDK client mirrors the annotated parameters and the call runs', async () => {
    const client = await connectModernMcp(gw, 'db');
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['execute_sql']);
    const r = await client.callTool({ name: 'execute_sql', arguments: { region: 'us-west1', query: 'SELECT 1', shard: 42, options: { dryRun: true } } });
    expect((r.content as Array<{ text: string }>)[0]!.text).toBe('ran in us-west1');
    await client.close();
  });

  it.each([
    ['plain value', { region: 'us-west1' }, { 'mcp-param-region': 'us-west1' }],
    ['Base64 sentinel of a non-ASCII value', { region: 'Hello, 世界' }, { 'mcp-param-region': '=?base64?SGVsbG8sIOS4lueVjA==?=' }],
    ['integer compared numerically', { region: 'r', shard: 42 }, { 'mcp-param-region': 'r', 'mcp-param-shard': '42' }],
    ['nested boolean', { region: 'r', options: { dryRun: false } }, { 'mcp-param-region': 'r', 'mcp-param-dry-run': 'false' }],
    ['null value: no header expected', { region: 'r', shard: null }, { 'mcp-param-region': 'r' }],
  ])('accepts %s', async (_what, args, headers) => {
    const r = await modernPost(gw, 'db', sql(args), headers);
    expect(r.status).toBe(200);
    expect(r.json.result.content[0].text).toMatch(/^ran in /);
  });

  it.each([
    ['header missing while the body has the value', { region: 'us-west1' }, {}],
    ['header differs from the body', { region: 'us-west1' }, { 'mcp-param-region': 'eu-west1' }],
    ['broken Base64 sentinel', { region: 'us-west1' }, { 'mcp-param-region': '=?base64?%%%?=' }],
    ['integer header that is not that number', { region: 'r', shard: 42 }, { 'mcp-param-region': 'r', 'mcp-param-shard': '43' }],
    ['nested boolean header missing', { region: 'r', options: { dryRun: true } }, { 'mcp-param-region': 'r' }],
  ])('refuses %s with 400 HeaderMismatch (-32020)', async (_what, args, headers) => {
    const r = await modernPost(gw, 'db', sql(args), headers);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ id: 9, error: { code: -32020, data: { code: 'GW_ERR_MCP_HEADER_MISMATCH' } } });
  });
});
