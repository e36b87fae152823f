import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { packageRoot } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { connectMcp } from '../../helpers/mcp.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { AMAP_OK_BODIES } from '../amap-tools/fixtures.js';
import { pageItem, searchResponse } from '../quark-search/fixtures.js';
import { startFakeUpstream, type FakeUpstream } from '../shared/fake-upstream.js';

const WEATHER = `server:
  name: weather
  config:
    apiKey: ""
tools:
  - name: get_weather
    description: Current weather for a city
    args:
      - name: city
        type: string
        required: true
        position: query
    requestTemplate:
      url: https://api.weather.example/v1/current
      method: GET
      headers:
        - key: X-Api-Key
          value: "{{.config.apiKey}}"
    responseTemplate:
      body: "{{.city}}: {{.temp}} C"
  - name: get_forecast
    description: Not in the toolSet
    args: []
    requestTemplate:
      url: https://api.weather.example/v1/forecast
      method: GET
`;

// Higress toolSet: the members' tools the endpoint exposes, named <server>___<tool>.
const TOOLSET = `toolSet:
  name: all-in-one
  serverTools:
    - serverName: time
      tools: [get-current-time]
    - serverName: quark
      tools: [web_search]
    - serverName: amap
      tools: [maps_weather, maps_ip_location]
    - serverName: weather
      tools: [get_weather]
`;

const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

describe('all-in-one: hosted and REST servers behind one toolSet endpoint, configured with the CLI', () => {
  const tmp = tempDir();
  let gw: TestGateway;
  let quark: FakeUpstream;
  let amap: FakeUpstream;
  let weather: FakeUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    quark = await startFakeUpstream(() => ({ body: searchResponse([pageItem(1)]) }));
    amap = await startFakeUpstream((req) => ({ body: AMAP_OK_BODIES[req.path] ?? '{}' }));
    weather = await startFakeUpstream((req) => ({ body: JSON.stringify({ city: req.query.find(([k]) => k === 'city')?.[1], temp: 21 }) }));
    const write = (name: string, body: string) => {
      const path = join(tmp.dir, name);
      writeFileSync(path, body);
      return path;
    };
    const adds = [
      ['time', join(packageRoot(), 'servers', 'time', 'mcp-time.yaml')],
      ['quark', '--server', 'quark-search', '--secret', 'apiKey=iqs-key-1', '--override-origin', `https://cloud-iqs.aliyuncs.com=${quark.origin}`],
      // No key: its calls must say which setting to fix.
      ['amap', '--server', 'amap-tools', ...amapOverrides(amap)],
      ['weather', write('weather.yaml', WEATHER), '--secret', 'apiKey=wx-key-7', '--override-origin', `https://api.weather.example=${weather.origin}`],
      ['all-in-one', write('toolset.yaml', TOOLSET)],
    ];
    for (const args of adds) {
      const r = await runCli(['mcp', 'add', ...args], gw.dbPath);
      expect(r.code, r.stderr).toBe(0);
    }
    await waitFor(() => gw.snapshots.current()?.mcp.servers.has('all-in-one'), 'all-in-one to be served');
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([quark?.close(), amap?.close(), weather?.close()]);
    tmp.cleanup();
  });

  describe.each(['streamable-http', 'sse'] as const)('over %s', (transport) => {
    let client: Client;
    beforeAll(async () => {
      client = await connectMcp(gw, 'all-in-one', { transport });
    });
    afterAll(async () => {
      await client?.close();
    });

    // Members in toolSet order, each member's tools in its own order.
    it('lists exactly the toolSet tools, with Higress names and the members’ schemas', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual([
        'time___get-current-time',
        'quark___web_search',
        'amap___maps_ip_location',
        'amap___maps_weather',
        'weather___get_weather',
      ]);
      const time = tools.find((t) => t.name === 'time___get-current-time')!;
      expect(time.inputSchema.properties).toMatchObject({ timeZone: { type: 'string', default: 'Asia/Shanghai' } });
    });

    it('dispatches each call to the server that owns the tool', async () => {
      const now = await client.callTool({ name: 'time___get-current-time', arguments: { timeZone: 'Europe/London' } });
      expect(now.isError).toBeFalsy();
      expect(text(now)).toMatch(/^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0[01]:00$/);

      const before = quark.requests.length;
      const found = await client.callTool({ name: 'quark___web_search', arguments: { query: 'gold price' } });
      expect(found.isError, text(found)).toBeFalsy();
      expect(quark.requests.slice(before)).toEqual([expect.objectContaining({ path: '/search/genericSearch', query: [['query', 'gold price']] })]);
      expect(quark.requests.at(-1)!.headers['x-api-key']).toBe('iqs-key-1');

      const wx = await client.callTool({ name: 'weather___get_weather', arguments: { city: 'Suzhou' } });
      expect(text(wx)).toBe('Suzhou: 21 C');
      expect(weather.requests.at(-1)).toMatchObject({ path: '/v1/current', query: [['city', 'Suzhou']] });
      expect(weather.requests.at(-1)!.headers['x-api-key']).toBe('wx-key-7');
    });

    it('a hosted server without its key answers isError naming the setting to fix, and calls nothing upstream', async () => {
      const before = amap.requests.length;
      const r = await client.callTool({ name: 'amap___maps_weather', arguments: { city: '北京' } });
      expect(r.isError).toBe(true);
      expect(text(r)).toBe('amap-tools is not configured: set the "apiKey" secret (agate mcp add <name> --server amap-tools --secret apiKey=… --replace)');
      expect(amap.requests.length).toBe(before);
    });

    it('tools outside the toolSet are neither listed nor callable', async () => {
      await expect(client.callTool({ name: 'weather___get_forecast', arguments: {} })).rejects.toThrow(/-32602/);
      await expect(client.callTool({ name: 'amap___maps_geo', arguments: { address: 'x' } })).rejects.toThrow(/-32602/);
    });
  });

  // The hosted servers at their own endpoints: unprefixed names, the same upstream calls, over both transports.
  describe.each(['streamable-http', 'sse'] as const)('single-server endpoints over %s', (transport) => {
    it('quark: lists web_search and returns the markdown results from the upstream', async () => {
      const client = await connectMcp(gw, 'quark', { transport });
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(['web_search']);
        const before = quark.requests.length;
        const r = await client.callTool({ name: 'web_search', arguments: { query: '黄金价格走势', number: 1 } });
        expect(r.isError, text(r)).toBeFalsy();
        expect(text(r)).toMatch(/^# Search Results\n\n## Title: /);
        expect(quark.requests.slice(before)).toEqual([expect.objectContaining({ path: '/search/genericSearch', query: [['query', '黄金价格走势']] })]);
      } finally {
        await client.close();
      }
    });

    it('amap: lists the twelve maps_* tools; a call without a key is isError and reaches nothing upstream', async () => {
      const client = await connectMcp(gw, 'amap', { transport });
      try {
        const { tools } = await client.listTools();
        expect(tools).toHaveLength(12);
        expect(tools.every((t) => t.name.startsWith('maps_'))).toBe(true);
        const before = amap.requests.length;
        const r = await client.callTool({ name: 'maps_geo', arguments: { address: '北京市朝阳区阜通东大街6号' } });
        expect(r.isError).toBe(true);
        expect(text(r)).toContain('set the "apiKey" secret');
        expect(amap.requests.length).toBe(before);
      } finally {
        await client.close();
      }
    });
  });

  it('a key set later with --replace reaches the running gateway: the same call now succeeds', async () => {
    const r = await runCli(['mcp', 'add', 'amap', '--server', 'amap-tools', '--secret', 'apiKey=amap-key-3', ...amapOverrides(amap), '--replace'], gw.dbPath);
    expect(r.code, r.stderr).toBe(0);
    const client = await connectMcp(gw, 'all-in-one');
    try {
      const result = await waitFor(async () => {
        const call = await client.callTool({ name: 'amap___maps_weather', arguments: { city: '北京' } });
        return call.isError ? undefined : call;
      }, 'the new key to be used');
      expect(text(result)).toContain('北京');
      expect(amap.requests.at(-1)!.query).toContainEqual(['key', 'amap-key-3']);
    } finally {
      await client.close();
    }
  });
});

// AMap tools use both schemes of restapi.amap.com; each origin is overridden on its own.
function amapOverrides(fake: FakeUpstream): string[] {
  return ['--override-origin', `https://restapi.amap.com=${fake.origin}`, '--override-origin', `http://restapi.amap.com=${fake.origin}`];
}
