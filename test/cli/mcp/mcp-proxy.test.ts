import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { connectMcp } from '../../helpers/mcp.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Fields and defaults from Higress's setupMcpProxyServer (plugins/wasm-go/pkg/mcp/server/plugin.go): transport
// http|sse and mcpServerURL required, timeout in ms (5000 when absent), upstream credentials from securitySchemes.
const proxyYaml = (name: string, transport: string, url: string, extra = ''): string => `server:
  name: ${name}
  type: mcp-proxy
  transport: ${transport}
  mcpServerURL: ${url}
  passthroughAuthHeader: true
  securitySchemes:
    - id: upstream-bearer
      type: http
      scheme: bearer
      defaultCredential: up-token-${transport}
  defaultUpstreamSecurity:
    id: upstream-bearer
${extra}`;

describe('Higress mcp-proxy configs become remote MCP servers (agate mcp add <name> <file>)', () => {
  const tmp = tempDir();
  let gw: TestGateway;
  let upstream: RemoteMcpUpstream;
  const clients: Client[] = [];
  const cli = (...args: string[]) => runCli(args, gw.dbPath, { AGATE_KEY: '' });
  const file = (name: string, text: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startRemoteMcpUpstream();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await gw?.stop();
    await upstream?.close();
    tmp.cleanup();
  });

  it.each([
    ['http', 'streamable-http', () => upstream.url, 'timeout: 3000', 3000],
    ['sse', 'sse', () => upstream.sseUrl, '', 5000],
  ] as const)('transport %s: stored as a remote %s server with the upstream credential encrypted; tools called through agate', async (transport, stored, url, extra, timeoutMs) => {
    const name = `proxy-${transport}`;
    const r = await cli('mcp', 'add', name, file(`${name}.yaml`, proxyYaml(name, transport, url(), `  ${extra}`)));
    expect(r.code).toBe(0);
    // Higress's proxy_server.go: with defaultUpstreamSecurity set, passthroughAuthHeader is not used.
    expect(r.stderr).toBe('warning: server.passthroughAuthHeader: not applied, as in Higress: defaultUpstreamSecurity sets the credential the server gets\n');
    const spec = gw.registry.mcpServers.get(name)!;
    expect(spec.backend).toMatchObject({ kind: 'remote', url: url(), transport: stored, timeoutMs });
    expect(spec.backend).not.toHaveProperty('passthroughAuthHeader');
    const backend = spec.backend as { secretHeaders: Record<string, string>; headers: Record<string, string> };
    expect(Object.keys(backend.secretHeaders)).toEqual(['Authorization']);
    expect(JSON.stringify(backend)).not.toContain('up-token');
    await waitFor(() => gw.snapshots.current()?.mcp.servers.has(name), `${name} served`);
    const before = upstream.requests.length;
    const client = await connectMcp(gw, name, { transport: transport === 'sse' ? 'sse' : 'streamable-http' });
    clients.push(client);
    const result = (await client.callTool({ name: 'echo', arguments: { message: `via ${transport}` } })) as CallToolResult;
    expect(result.content).toEqual([{ type: 'text', text: `gen1: via ${transport}` }]);
    const seen = upstream.requests.slice(before);
    expect(seen.some((q) => q.method === 'POST')).toBe(true);
    for (const q of seen) {
      if (q.method !== 'POST') continue;
      expect(q.headers.authorization).toBe(`Bearer up-token-${transport}`);
    }
  });

  it('passthroughAuthHeader without an upstream scheme: the client Bearer reaches the server, only on tools/call', async () => {
    const yaml = `server:\n  name: pass\n  type: mcp-proxy\n  transport: http\n  mcpServerURL: ${upstream.url}\n  passthroughAuthHeader: true\n`;
    const r = await cli('mcp', 'add', 'proxy-pass', file('pass.yaml', yaml));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(gw.registry.mcpServers.get('proxy-pass')!.backend).toMatchObject({ kind: 'remote', passthroughAuthHeader: true });
    await waitFor(() => gw.snapshots.current()?.mcp.servers.has('proxy-pass'), 'proxy-pass served');
    const before = upstream.requests.length;
    const client = await connectMcp(gw, 'proxy-pass', { headers: { authorization: 'Bearer client-token' } });
    clients.push(client);
    await client.callTool({ name: 'echo', arguments: { message: 'x' } });
    const call = upstream.requests.slice(before).find((q) => (q.body as { method?: string } | undefined)?.method === 'tools/call');
    expect(call?.headers.authorization).toBe('Bearer client-token');
  });

  it.each([
    ['no mcpServerURL', (y: string) => y.replace(/ {2}mcpServerURL: .*\n/, ''), 'server.mcpServerURL: is required for an mcp-proxy server'],
    ['no transport', (y: string) => y.replace(/ {2}transport: .*\n/, ''), 'server.transport: is required for an mcp-proxy server'],
    ['a websocket transport', (y: string) => y.replace('transport: http', 'transport: websocket'), 'server.transport: must be one of "http", "streamable-http", "sse"'],
    ['a URL without a host', (y: string) => y.replace(/mcpServerURL: .*/, 'mcpServerURL: /mcp'), 'server.mcpServerURL: must be an absolute http or https URL'],
  ])('refuses a config with %s, naming the field', async (_what, edit, message) => {
    const r = await cli('mcp', 'add', 'bad-proxy', file('bad.yaml', edit(proxyYaml('bad-proxy', 'http', upstream.url))));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('an mcp-proxy config stored as a REST backend (apply) is refused with the way to add it', async () => {
    const applyFile = file('apply.yaml', stringify({ mcpServers: [{ name: 'proxy-rest', backend: { kind: 'rest', config: parse(proxyYaml('proxy-rest', 'http', upstream.url)) } }] }));
    const r = await cli('apply', '-f', applyFile);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('mcpServer "proxy-rest": backend.config.server.type: an mcp-proxy config is a remote MCP server');
  });
});

describe('flags for REST servers on an mcp-proxy file', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'flags.db');
  afterAll(() => tmp.cleanup());

  it('--base-url or --secret is a usage error saying the file becomes a remote server', async () => {
    const path = join(tmp.dir, 'p.yaml');
    writeFileSync(path, proxyYaml('p', 'http', 'https://mcp.example.com/mcp'));
    for (const flags of [['--base-url', 'https://x.example'], ['--secret', 'apiKey=k']]) {
      const r = await runCli(['mcp', 'add', 'p', path, ...flags], db);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: ${flags[0]} does not apply to an mcp-proxy config (it is added as a remote MCP server)`);
    }
  });
});
