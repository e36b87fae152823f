import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/gateway.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';
import { inspectorCommand } from '../../cli/inspector-command.js';

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;
const DATE = /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/;

async function connect(url: string, transport: 'streamable-http' | 'sse'): Promise<Client> {
  const client = new Client({ name: 'first-start-test', version: '1.0.0' });
  await client.connect(transport === 'sse' ? new SSEClientTransport(new URL(`${url}/sse`)) : new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

// `agate serve` on an empty registry (the demo upstream off, as --demo-port 0 asks): the MCP servers are added
// anyway, the banner prints their URLs and commands that work, and a real client can use them at once.
describe('first start on an empty registry', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  let serve: ServeProcess;
  let banner: string;

  beforeAll(async () => {
    serve = await spawnServe(db);
    banner = await waitFor(() => (serve.stderr().includes('npx agate status') ? serve.stderr() : undefined), 'the banner');
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    tmp.cleanup();
  });

  it('seeds time (REST-to-MCP), quark-search, amap-tools and the all-in-one bundle, and no demo route without the demo upstream', () => {
    const r = Registry.open(db);
    try {
      expect(r.mcpServers.list().map((s) => [s.name, s.backend.kind])).toEqual([
        ['all-in-one', 'bundle'],
        ['amap-tools', 'hosted'],
        ['quark-search', 'hosted'],
        ['time', 'rest'],
      ]);
      expect(r.mcpServers.get('all-in-one')!.backend).toEqual({ kind: 'bundle', members: ['time', 'quark-search', 'amap-tools'], separator: '___', prefix: 'always' });
      expect(r.routes.list()).toEqual([]);
    } finally {
      r.close();
    }
  });

  it('the banner prints each MCP URL and one-line commands to try them', () => {
    const local = `http://127.0.0.1:${new URL(serve.url).port}`;
    for (const name of ['all-in-one', 'amap-tools', 'quark-search', 'time']) expect(banner).toMatch(new RegExp(`^  ${name}\\s+${local}/mcp/${name}$`, 'm'));
    expect(banner).toContain(inspectorCommand(`${local}/mcp/time`));
    expect(banner).toContain(`npx agate mcp call time get-current-time --args '{"timeZone":"Europe/London"}'`);
    expect(banner).not.toContain('/demo/hello');
  });

  it.each(['streamable-http', 'sse'] as const)('time and all-in-one work over %s', async (transport) => {
    const time = await connect(`${serve.url}/mcp/time`, transport);
    const all = await connect(`${serve.url}/mcp/all-in-one`, transport);
    try {
      expect((await time.listTools()).tools.map((t) => t.name)).toEqual(['get-current-time']);
      const names = (await all.listTools()).tools.map((t) => t.name);
      expect(names.slice(0, 2)).toEqual(['time___get-current-time', 'quark-search___web_search']);
      expect(names).toContain('amap-tools___maps_weather');
      const now = await all.callTool({ name: 'time___get-current-time', arguments: { timeZone: 'Europe/London' } });
      expect(text(now)).toMatch(DATE);
      expect(text(now)).toMatch(/\+0[01]:00$/);
      expect(text(await time.callTool({ name: 'get-current-time', arguments: {} }))).toMatch(/\+08:00$/);
    } finally {
      await Promise.all([time.close(), all.close()]);
    }
  });

  it.each([
    ['quark-search___web_search', { query: 'gold' }, 'quark-search is not configured: set the "apiKey" secret'],
    ['amap-tools___maps_weather', { city: 'Beijing' }, 'amap-tools is not configured: set the "apiKey" secret'],
  ])('%s without a key says clearly which key is missing', async (tool, args, message) => {
    const all = await connect(`${serve.url}/mcp/all-in-one`, 'streamable-http');
    try {
      const r = await all.callTool({ name: tool, arguments: args });
      expect(r.isError).toBe(true);
      expect(text(r)).toContain(message);
    } finally {
      await all.close();
    }
  });

  it('the banner’s CLI command works against the running gateway', async () => {
    const r = await runCli(['mcp', 'call', 'time', 'get-current-time', '--args', '{"timeZone":"Europe/London"}'], db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(DATE);
  });

  it('a second start adds nothing', async () => {
    await serve.stop('SIGTERM');
    serve = await spawnServe(db);
    const second = await waitFor(() => (serve.stderr().includes('npx agate status') ? serve.stderr() : undefined), 'the banner');
    expect(second).not.toContain('first start');
    const r = Registry.open(db);
    try {
      expect(r.mcpServers.count()).toBe(4);
    } finally {
      r.close();
    }
  });
});
