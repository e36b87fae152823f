import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { textOf, type McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

let upstream: LoopbackUpstream | undefined;
let pair: McpPair | undefined;
afterEach(async () => {
  await pair?.close();
  await upstream?.close();
  pair = undefined;
  upstream = undefined;
});

const WEATHER = {
  server: { name: 'weather-server', config: { apiKey: '' } },
  tools: [
    {
      name: 'get_weather',
      description: 'Current weather for a city',
      args: [
        { name: 'city', type: 'string', required: true, description: 'City name' },
        { name: 'units', type: 'string', default: 'metric', enum: ['metric', 'imperial'] },
        { name: 'tags', type: 'array', items: { type: 'string' } },
        { name: 'box', type: 'object', properties: { lat: { type: 'number' } } },
      ],
      requestTemplate: { url: `${API}/data/2.5/weather`, method: 'GET', argsToUrlParam: true },
      responseTemplate: { body: '{{ (index .weather 0).description }} {{ .main.temp }} in {{ .args.city }}' },
    },
    { name: 'now', description: 'Direct response', args: [{ name: 'tz', default: 'UTC' }], responseTemplate: { body: 'zone={{.args.tz}} key={{.config.apiKey}}' } },
  ],
};
const WEATHER_REPLY = { weather: [{ description: 'sunny' }], main: { temp: 21.5 } };

describe('tools/list (TestRestMCPServerBasicFlow, TestInputSchemaWithComplexTypes)', () => {
  it('lists every tool with the Higress-shaped inputSchema and HTTP-derived annotations', async () => {
    pair = await serve(WEATHER);
    const { tools } = await pair.client.listTools();
    expect(tools.map((t) => [t.name, t.description])).toEqual([
      ['get_weather', 'Current weather for a city'],
      ['now', 'Direct response'],
    ]);
    expect(tools[0]!.inputSchema).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        units: { type: 'string', description: '', enum: ['metric', 'imperial'], default: 'metric' },
        tags: { type: 'array', description: '', items: { type: 'string' } },
        box: { type: 'object', description: '', properties: { lat: { type: 'number' } } },
      },
      required: ['city'],
      additionalProperties: false,
    });
    expect(tools[0]!.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true });
  });

  it.each([
    ['absent allowTools lists all', undefined, ['get_weather', 'now']],
    ['allowTools filters', ['now'], ['now']],
    ['empty allowTools lists none', [], []],
  ])('%s', async (_n, allowTools, names) => {
    pair = await serve({ ...WEATHER, ...(allowTools ? { allowTools } : {}) });
    expect((await pair.client.listTools()).tools.map((t) => t.name)).toEqual(names);
  });

  it.each([
    ['unknown tool', 'nope', /unknown tool: nope/],
    ['tool outside allowTools', 'get_weather', /Tool not allowed: get_weather/],
  ])('refuses a call to an %s with a JSON-RPC error', async (_n, name, message) => {
    pair = await serve({ ...WEATHER, allowTools: ['now'] });
    await expect(pair.call(name, { city: 'x' })).rejects.toThrow(message);
  });
});

describe('tools/call (TestRestMCPServerToolsCall, TestRestToolConfig)', () => {
  it('wraps the rendered response template as text; strict mode offers .args to it', async () => {
    upstream = await jsonUpstream(WEATHER_REPLY);
    pair = await serve(WEATHER, { settings: { apiKey: 'k' }, originOverrides: { [API]: upstream.url } });
    const result = await pair.call('get_weather', { city: 'Suzhou' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('sunny 21.5 in Suzhou');
    expect(upstream.requests[0]!.url).toBe('/data/2.5/weather?city=Suzhou&units=metric');
  });

  it('renders .args empty in a response template in Higress mode (§8 quirk 4)', async () => {
    upstream = await jsonUpstream(WEATHER_REPLY);
    pair = await serve({ ...WEATHER, agate: { mode: 'higress' } }, { originOverrides: { [API]: upstream.url } });
    expect(textOf(await pair.call('get_weather', { city: 'Suzhou' }))).toBe('sunny 21.5 in ');
  });

  it('answers a direct-response tool from {config, args} without any upstream call', async () => {
    pair = await serve(WEATHER, { settings: { apiKey: 'from-settings' } });
    expect(textOf(await pair.call('now', {}))).toBe('zone=UTC key=from-settings');
  });

  it.each([
    ['prepend only', { prependBody: '# Result\n' }, '# Result\n{"a":1}'],
    ['append only', { appendBody: '\n-- end' }, '{"a":1}\n-- end'],
    ['both', { prependBody: '<', appendBody: '>' }, '<{"a":1}>'],
    ['neither', {}, '{"a":1}'],
  ])('responseTemplate %s (TestResponseTemplatePrependAppend)', async (_n, responseTemplate, text) => {
    upstream = await jsonUpstream('{"a":1}');
    pair = await serve(oneTool({ requestTemplate: { url: `${API}/r`, method: 'GET' }, responseTemplate }), { originOverrides: { [API]: upstream.url } });
    expect(textOf(await pair.call('t', {}))).toBe(text);
  });

  it('returns an image/* response as image content', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    upstream = await jsonUpstream(png, 200, { 'content-type': 'image/png' });
    pair = await serve(oneTool({ requestTemplate: { url: `${API}/img`, method: 'GET' }, responseTemplate: { body: 'ignored' } }), { originOverrides: { [API]: upstream.url } });
    const result = await pair.call('t', {});
    expect(result.content).toEqual([{ type: 'image', data: png.toString('base64'), mimeType: 'image/png' }]);
    expect(result.isError).toBeFalsy();
  });

  it('adds structuredContent (the raw JSON body) when outputSchema is set', async () => {
    upstream = await jsonUpstream({ id: 'o-1', extra: 2 });
    const doc = oneTool({ requestTemplate: { url: `${API}/o`, method: 'GET' }, responseTemplate: { body: 'order {{.id}}' }, outputSchema: { type: 'object', properties: { id: { type: 'string' } } } });
    pair = await serve(doc, { originOverrides: { [API]: upstream.url } });
    const tools = await pair.client.listTools();
    expect(tools.tools[0]!.outputSchema).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
    const result = await pair.call('t', {});
    expect(result.structuredContent).toEqual({ id: 'o-1', extra: 2 });
    expect(textOf(result)).toBe('order o-1');
  });
});

describe('upstream errors (§2.6)', () => {
  it.each([
    ['default message', undefined, 'call failed, status: 404, response: {"message":"no such city"}'],
    ['errorResponseTemplate with _headers', 'failed ({{gjson "_headers.\\\\:status"}}, {{gjson "_headers.x-ca-error-code"}}): {{.message}}', 'failed (404, E42): no such city'],
    ['empty errorResponseTemplate output falls back', '{{.nothing}}', 'call failed, status: 404, response: {"message":"no such city"}'],
  ])('%s', async (_n, errorResponseTemplate, text) => {
    upstream = await jsonUpstream({ message: 'no such city' }, 404, { 'x-ca-error-code': 'E42' });
    pair = await serve(oneTool({ requestTemplate: { url: `${API}/e`, method: 'GET' }, ...(errorResponseTemplate ? { errorResponseTemplate } : {}) }), { originOverrides: { [API]: upstream.url } });
    const result = await pair.call('t', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(text);
  });
});

describe('strict vs Higress-compatible arguments (§2.3, §8 quirk 3)', () => {
  const doc = (mode: string) =>
    oneTool(
      { args: [{ name: 'n', type: 'integer', required: true }, { name: 'color', enum: ['red', 'blue'] }], requestTemplate: { url: `${API}/a`, method: 'GET', argsToUrlParam: true } },
      {},
      { agate: { mode } },
    );
  it.each([
    ['missing required', { color: 'red' }, 'argument "n" is required'],
    ['wrong type', { n: 'seven' }, 'argument "n" must be integer'],
    ['outside enum', { n: 1, color: 'green' }, 'argument "color" must be one of "red", "blue"'],
    ['undeclared', { n: 1, extra: 'x' }, 'argument "extra" is not declared by tool t'],
  ])('strict mode refuses %s with an isError naming the argument', async (_n, args, message) => {
    upstream = await jsonUpstream({});
    pair = await serve(doc('strict'), { originOverrides: { [API]: upstream.url } });
    const result = await pair.call('t', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(message);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['coerces numeric strings and truncates floats', { n: '12', extra: 'x' }, '/a?n=12'],
    ['truncates a float for an integer arg', { n: 3.9 }, '/a?n=3'],
    ['passes enum violations and missing required through', { color: 'green' }, '/a?color=green'],
  ])('Higress mode %s', async (_n, args, url) => {
    upstream = await jsonUpstream({});
    pair = await serve(doc('higress'), { originOverrides: { [API]: upstream.url } });
    const result = await pair.call('t', args);
    expect(result.isError).toBeFalsy();
    expect(upstream.requests[0]!.url).toBe(url);
  });
});

describe('a config whose request needs a setting nobody set', () => {
  const KEYED = {
    server: { name: 'keyed', config: { apiKey: '', region: 'cn' } },
    tools: [
      {
        name: 'lookup',
        description: 'Needs the key',
        args: [{ name: 'q', type: 'string', required: true }],
        requestTemplate: { url: `${API}/lookup?key={{.config.apiKey}}&region={{.config.region}}`, method: 'GET' },
      },
      { name: 'plain', description: 'Needs nothing', args: [], requestTemplate: { url: `${API}/plain`, method: 'GET' } },
    ],
  };

  it('answers isError naming the setting, and calls nothing upstream; tools that do not need it still work', async () => {
    upstream = await jsonUpstream({ ok: true });
    pair = await serve(KEYED, { originOverrides: { [API]: upstream.url } });
    const refused = await pair.call('lookup', { q: 'x' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe('keyed is not configured: set "apiKey" (agate mcp add <name> <config file> --secret apiKey=… --replace)');
    expect(upstream.requests).toHaveLength(0);
    expect((await pair.call('plain', {})).isError).toBeFalsy();
    expect(upstream.requests.map((r) => r.url)).toEqual(['/plain']);
  });

  it('calls the upstream once the setting is given', async () => {
    upstream = await jsonUpstream({ ok: true });
    pair = await serve(KEYED, { settings: { apiKey: 'k1' }, originOverrides: { [API]: upstream.url } });
    expect((await pair.call('lookup', { q: 'x' })).isError).toBeFalsy();
    expect(upstream.requests[0]?.url).toBe('/lookup?key=k1&region=cn');
  });
});
