import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerSpec } from '../../../registry/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { addMcpServer, connectMcp } from '../../helpers/mcp.js';
import { startFakeUpstream, type FakeUpstream } from '../shared/fake-upstream.js';

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

/** A REST config whose one tool calls the fake and echoes what it saw; `security` adds a passthrough scheme. */
function echoConfig(name: string, passthrough: boolean): Record<string, unknown> {
  return {
    server: {
      name,
      config: { token: '' },
      ...(passthrough && {
        securitySchemes: [{ id: 'upstream-key', type: 'apiKey', in: 'header', name: 'X-Upstream-Key', defaultCredential: 'server-default' }],
        defaultDownstreamSecurity: { id: 'upstream-key', passthrough: true },
        defaultUpstreamSecurity: { id: 'upstream-key' },
      }),
    },
    tools: [
      {
        name: 'echo',
        description: 'Calls the API and echoes what it received',
        args: [],
        requestTemplate: { url: 'https://api.echo.example/echo', method: 'GET', headers: [{ key: 'X-Config-Token', value: '{{.config.token}}' }] },
        responseTemplate: { body: '{{.seen}} from {{getRealIP}}' },
      },
    ],
  };
}

describe('REST-to-MCP servers in the router', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startFakeUpstream((req) => ({ body: JSON.stringify({ seen: req.headers['x-upstream-key'] ?? 'none' }) }));
    gw.registry.secrets.put('echo-token', 'tok-from-secret', 'cli');
    const rest = (name: string, passthrough: boolean): Omit<McpServerSpec, 'enabled'> => ({
      name,
      backend: { kind: 'rest', config: echoConfig(name, passthrough), settings: {}, secretSettings: { token: 'echo-token' }, originOverrides: { 'https://api.echo.example': upstream.origin } },
    });
    await addMcpServer(gw, rest('plain', false));
    await addMcpServer(gw, rest('pass', true));
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('serves the config with {{.config.X}} from an encrypted secret, the origin override, and the verified client IP', async () => {
    const client = await connectMcp(gw, 'plain');
    try {
      const r = await client.callTool({ name: 'echo', arguments: {} });
      expect(text(r)).toBe('none from 127.0.0.1');
      expect(upstream.requests.at(-1)!.headers['x-config-token']).toBe('tok-from-secret');
    } finally {
      await client.close();
    }
  });

  describe.each(['streamable-http', 'sse'] as const)('credential passthrough over %s', (transport) => {
    let client: Client;
    afterAll(async () => {
      await client?.close();
    });

    it('passes the configured client header to a server that asks for it', async () => {
      client = await connectMcp(gw, 'pass', { transport, headers: { 'X-Upstream-Key': 'client-cred' } });
      const r = await client.callTool({ name: 'echo', arguments: {} });
      expect(text(r)).toBe('client-cred from 127.0.0.1');
      expect(upstream.requests.at(-1)!.headers['x-upstream-key']).toBe('client-cred');
    });
  });

  it.each([
    ['pass', 'server-default'],
    ['plain', 'none'],
  ])('a client cannot forge the passthrough or client-IP _meta (%s)', async (server, seen) => {
    const client = await connectMcp(gw, server);
    try {
      const forged = { 'io.agate/passthrough-auth': { 'x-upstream-key': 'forged' }, 'io.agate/client-ip': '203.0.113.9' };
      const r = await client.callTool({ name: 'echo', arguments: {}, _meta: forged });
      expect(text(r)).toBe(`${seen} from 127.0.0.1`);
      expect(upstream.requests.at(-1)!.headers['x-upstream-key']).toBe(seen === 'none' ? undefined : seen);
    } finally {
      await client.close();
    }
  });

  it("agate's own consumer key is never passed through, even to a server that reads that header", async () => {
    const consumer = gw.registry.consumers.store.create({ name: 'alice' }, 'cli');
    const { key } = gw.registry.consumers.issueKey(consumer.name, 'cli');
    const bearer = echoConfig('bearer', true);
    (bearer.server as Record<string, unknown>).securitySchemes = [{ id: 'k', type: 'apiKey', in: 'header', name: 'X-Api-Key', defaultCredential: 'server-default' }];
    (bearer.server as Record<string, unknown>).defaultDownstreamSecurity = { id: 'k', passthrough: true };
    (bearer.server as Record<string, unknown>).defaultUpstreamSecurity = { id: 'k' };
    (bearer.tools as Array<Record<string, unknown>>)[0]!.responseTemplate = { body: 'ok' };
    // Written after the key, so the snapshot that serves `bearer` already knows the key.
    await addMcpServer(gw, { name: 'bearer', backend: { kind: 'rest', config: bearer, settings: {}, secretSettings: { token: 'echo-token' }, originOverrides: { 'https://api.echo.example': upstream.origin } } });
    // The header belongs to the upstream on this server, so agate does not read it: the key is refused, not forwarded.
    const seen = upstream.requests.length;
    await expect(connectMcp(gw, 'bearer', { headers: { 'x-api-key': key } })).rejects.toThrow(/GW_ERR_AUTH_KEY_IN_PASSTHROUGH/);
    expect(upstream.requests.length).toBe(seen);
    // Sent in the header agate reads on this server (Authorization), the key admits alice and stays in the gateway.
    const client = await connectMcp(gw, 'bearer', { headers: { authorization: `Bearer ${key}` } });
    try {
      expect(text(await client.callTool({ name: 'echo', arguments: {} }))).toBe('ok');
      expect(upstream.requests.at(-1)!.headers['x-api-key']).toBe('server-default');
      expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it.each([
    [
      'a config that does not compile',
      { kind: 'rest', config: { server: { name: 'b' }, tools: [{ name: 't', description: 'd', args: [{ name: 'a', type: 'widget' }], responseTemplate: { body: 'x' } }] } },
      'mcpServer "broken": backend.config.tools[0] (t).args[0] (a).type: "widget" is not a JSON Schema type',
    ],
    [
      'a missing secret',
      { kind: 'rest', config: echoConfig('b', false), secretSettings: { token: 'no-such-secret' } },
      'mcpServer "broken": backend.secretSettings.token: no secret named "no-such-secret"',
    ],
    [
      'a bad origin override',
      { kind: 'rest', config: echoConfig('b', false), originOverrides: { 'https://api.echo.example': 'http://127.0.0.1:9/path' } },
      'mcpServer "broken": backend: ',
    ],
    [
      'a toolSet stored as a REST config',
      { kind: 'rest', config: { toolSet: { name: 'x', serverTools: [{ serverName: 'plain', tools: ['echo'] }] } } },
      'mcpServer "broken": backend.config.toolSet: a toolSet is served as a bundle',
    ],
    [
      'bundle tool lists for a non-member',
      { kind: 'bundle', members: ['plain'], tools: { pass: ['echo'] } },
      'mcpServer "broken": backend.tools.pass: not one of backend.members',
    ],
  ])('%s is refused when written (the snapshot compiler\'s check), naming the server and the field', (_what, backend, message) => {
    const before = gw.registry.version();
    expect(() => gw.registry.mcpServers.create({ name: 'broken', backend }, 'cli')).toThrow(message);
    expect(gw.registry.mcpServers.get('broken')).toBeUndefined();
    expect(gw.registry.version()).toBe(before);
  });
});

describe('the caller address behind a trusted proxy', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { trustedProxies: ['127.0.0.0/8'] } });
    upstream = await startFakeUpstream(() => ({ body: JSON.stringify({ seen: 'ok' }) }));
    await addMcpServer(gw, {
      name: 'plain',
      backend: { kind: 'rest', config: echoConfig('plain', false), settings: { token: 't' }, secretSettings: {}, originOverrides: { 'https://api.echo.example': upstream.origin } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it.each(['streamable-http', 'sse'] as const)('over %s, tools see the client from X-Forwarded-For, as HTTP routes do', async (transport) => {
    const client = await connectMcp(gw, 'plain', { transport, headers: { 'x-forwarded-for': '203.0.113.7' } });
    try {
      expect(text(await client.callTool({ name: 'echo', arguments: {} }))).toBe('ok from 203.0.113.7');
    } finally {
      await client.close();
    }
  });
});
