import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostedServers } from '../../../servers/index.js';
import { amapToolsServer } from '../../../servers/amap-tools/index.js';
import { CLIENT_IP_META_KEY, type HostedServerOptions } from '../../../servers/hosted-server.js';
import { startFakeUpstream, type FakeReply, type FakeUpstream, type RecordedRequest } from '../shared/fake-upstream.js';
import { connectPair, textOf, type McpPair } from '../shared/mcp-pair.js';
import { AMAP_OK_BODIES, V3_INVALID_KEY, V3_INVALID_PARAMS, V3_QUOTA, V4_INVALID_KEY } from './fixtures.js';

const KEY = 'amap-key-0123456789abcdef';
const okReply = (req: RecordedRequest): FakeReply => {
  const body = AMAP_OK_BODIES[req.path];
  return body === undefined ? { status: 404, body: '{"status":"0","info":"NOT_FOUND"}' } : { body };
};

// AMap is called over both schemes (as in Higress); one fake per origin shows which scheme each tool uses.
let httpsFake: FakeUpstream;
let httpFake: FakeUpstream;
let pair: McpPair | undefined;

beforeAll(async () => {
  httpsFake = await startFakeUpstream(okReply);
  httpFake = await startFakeUpstream(okReply);
});
afterAll(async () => {
  await Promise.all([httpsFake.close(), httpFake.close()]);
});
afterEach(async () => {
  await pair?.close();
  pair = undefined;
  for (const fake of [httpsFake, httpFake]) {
    fake.requests.length = 0;
    fake.handle(okReply);
  }
});

async function connect(options: Partial<HostedServerOptions> = {}): Promise<McpPair> {
  pair = await connectPair(
    amapToolsServer.createServer({
      settings: { apiKey: KEY },
      originOverrides: { 'https://restapi.amap.com': httpsFake.origin, 'http://restapi.amap.com': httpFake.origin },
      ...options,
    }),
  );
  return pair;
}

function onlyRequest(): { scheme: 'https' | 'http'; req: RecordedRequest } {
  const all = [...httpsFake.requests.map((req) => ({ scheme: 'https' as const, req })), ...httpFake.requests.map((req) => ({ scheme: 'http' as const, req }))];
  expect(all).toHaveLength(1);
  return all[0]!;
}

const LNG_LAT = 'as "longitude,latitude", e.g. 116.481028,39.989643';
const str = (description: string) => ({ type: 'string', description });
const req = (description: string) => ({ type: 'string', minLength: 1, description });
const ORIGIN = req(`Start point ${LNG_LAT}`);
const DESTINATION = req(`End point ${LNG_LAT}`);
const object = (properties: Record<string, unknown>, required: string[]) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const EXPECTED_SCHEMAS: Array<[string, unknown]> = [
  ['maps_geo', object({
    address: req('Structured address to resolve, e.g. 北京市朝阳区阜通东大街6号'),
    city: str('City to search in: Chinese name, pinyin, citycode or adcode; searches nationwide when omitted'),
  }, ['address'])],
  ['maps_regeocode', object({ location: req(`Coordinate ${LNG_LAT}`) }, ['location'])],
  ['maps_ip_location', {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { ip: str('IPv4 address to locate; leave empty (or "unknow") to locate the caller') },
    additionalProperties: false,
  }],
  ['maps_weather', object({ city: req('City name or adcode, e.g. 北京 or 110000') }, ['city'])],
  ['maps_search_detail', object({ id: req('POI ID returned by maps_text_search or maps_around_search') }, ['id'])],
  ['maps_bicycling', object({ origin: ORIGIN, destination: DESTINATION }, ['origin', 'destination'])],
  ['maps_direction_walking', object({ origin: ORIGIN, destination: DESTINATION }, ['origin', 'destination'])],
  ['maps_direction_driving', object({ origin: ORIGIN, destination: DESTINATION }, ['origin', 'destination'])],
  ['maps_direction_transit_integrated', object({
    origin: ORIGIN,
    destination: DESTINATION,
    city: req('City of the start point: name, citycode or adcode'),
    cityd: str('City of the end point; required by AMap for cross-city trips'),
  }, ['origin', 'destination', 'city'])],
  ['maps_text_search', object({
    keywords: req('Search keywords, e.g. 北京大学'),
    city: str('City to search in: name, citycode or adcode; searches nationwide when omitted'),
    citylimit: { type: 'string', enum: ['true', 'false'], description: 'Only return results inside city ("true") or not ("false", AMap default)' },
  }, ['keywords'])],
  ['maps_around_search', object({
    location: req(`Centre point ${LNG_LAT}`),
    radius: str('Search radius in metres, 0-50000 (AMap default 3000)'),
    keywords: str('Search keywords'),
  }, ['location'])],
  ['maps_distance', object({
    origins: req('One or more start points separated by ";", e.g. 120,30;120,31, each as longitude,latitude'),
    destination: req(`End point ${LNG_LAT}`),
    type: { type: 'string', enum: ['0', '1', '3'], description: 'Measurement type: "1" driving (AMap default), "0" straight line, "3" walking' },
  }, ['origins', 'destination'])],
];

describe('amap-tools definition and schemas', () => {
  it('is registered under its name with one required secret', () => {
    expect(hostedServers.get('amap-tools')).toBe(amapToolsServer);
    expect(amapToolsServer.settings.map((s) => [s.name, s.secret, s.required])).toEqual([['apiKey', true, true]]);
  });

  it('lists the twelve maps_* tools, read-only', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(EXPECTED_SCHEMAS.map(([name]) => name));
    for (const tool of tools) expect(tool.annotations).toEqual({ readOnlyHint: true, openWorldHint: true });
  });

  it.each(EXPECTED_SCHEMAS)('%s has this input schema', async (name, schema) => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === name)?.inputSchema).toEqual(schema);
  });
});

const K: Array<[string, string]> = [['key', KEY], ['source', 'ts_mcp']];

describe('exact upstream request per tool', () => {
  it.each<[string, Record<string, string>, 'https' | 'http', string, Array<[string, string]>]>([
    ['maps_geo', { address: '北京市朝阳区阜通东大街6号', city: '北京' }, 'https', '/v3/geocode/geo',
      [['address', '北京市朝阳区阜通东大街6号'], ['city', '北京'], ...K]],
    ['maps_geo', { address: '天安门', city: '' }, 'https', '/v3/geocode/geo', [['address', '天安门'], ...K]],
    ['maps_regeocode', { location: '116.481488,39.990464' }, 'http', '/v3/geocode/regeo', [['location', '116.481488,39.990464'], ...K]],
    ['maps_ip_location', { ip: '114.247.50.2' }, 'https', '/v3/ip', [['ip', '114.247.50.2'], ...K]],
    ['maps_weather', { city: '110000' }, 'http', '/v3/weather/weatherInfo', [['city', '110000'], ['extensions', 'all'], ...K]],
    ['maps_search_detail', { id: 'B000A8UIN8' }, 'http', '/v3/place/detail', [['id', 'B000A8UIN8'], ...K]],
    ['maps_bicycling', { origin: '116.434307,39.90909', destination: '116.434446,39.90816' }, 'http', '/v4/direction/bicycling',
      [['origin', '116.434307,39.90909'], ['destination', '116.434446,39.90816'], ...K]],
    ['maps_direction_walking', { origin: '116.434307,39.90909', destination: '116.434446,39.90816' }, 'http', '/v3/direction/walking',
      [['origin', '116.434307,39.90909'], ['destination', '116.434446,39.90816'], ...K]],
    ['maps_direction_driving', { origin: '116.481028,39.989643', destination: '116.434446,39.90816' }, 'http', '/v3/direction/driving',
      [['origin', '116.481028,39.989643'], ['destination', '116.434446,39.90816'], ...K]],
    ['maps_direction_transit_integrated', { origin: '116.481028,39.989643', destination: '121.473701,31.230416', city: '北京', cityd: '上海' },
      'http', '/v3/direction/transit/integrated',
      [['origin', '116.481028,39.989643'], ['destination', '121.473701,31.230416'], ['city', '北京'], ['cityd', '上海'], ...K]],
    ['maps_direction_transit_integrated', { origin: '116.481028,39.989643', destination: '116.434446,39.90816', city: '010' },
      'http', '/v3/direction/transit/integrated',
      [['origin', '116.481028,39.989643'], ['destination', '116.434446,39.90816'], ['city', '010'], ...K]],
    ['maps_text_search', { keywords: '北京大学', city: '北京', citylimit: 'true' }, 'http', '/v3/place/text',
      [['keywords', '北京大学'], ['city', '北京'], ['citylimit', 'true'], ...K]],
    ['maps_text_search', { keywords: 'KFC & 麦当劳' }, 'http', '/v3/place/text', [['keywords', 'KFC & 麦当劳'], ...K]],
    ['maps_around_search', { location: '116.481488,39.990464', radius: '1000', keywords: '肯德基' }, 'http', '/v3/place/around',
      [['location', '116.481488,39.990464'], ['radius', '1000'], ['keywords', '肯德基'], ...K]],
    ['maps_around_search', { location: '116.481488,39.990464', radius: '' }, 'http', '/v3/place/around',
      [['location', '116.481488,39.990464'], ...K]],
    ['maps_distance', { origins: '120,30;120,31', destination: '121,30', type: '0' }, 'http', '/v3/distance',
      [['origins', '120,30;120,31'], ['destination', '121,30'], ['type', '0'], ...K]],
    ['maps_distance', { origins: '120,30', destination: '121,30' }, 'http', '/v3/distance',
      [['origins', '120,30'], ['destination', '121,30'], ...K]],
  ])('%s %j → %s %s', async (tool, args, scheme, path, query) => {
    const { call } = await connect();
    const result = await call(tool, args);
    const sent = onlyRequest();
    expect(sent.scheme).toBe(scheme);
    expect(sent.req.method).toBe('GET');
    expect(sent.req.path).toBe(path);
    expect(sent.req.query).toEqual(query);
    expect(sent.req.headers.accept).toBe('application/json');
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(AMAP_OK_BODIES[path]);
  });
});

describe('maps_ip_location caller IP', () => {
  it.each<[string, Record<string, string>, unknown, string]>([
    ['an explicit ip wins over the caller', { ip: '8.8.8.8' }, '1.2.3.4', '8.8.8.8'],
    ['empty ip, IPv4:port caller', { ip: '' }, '114.247.50.2:52345', '114.247.50.2'],
    ['"unknow" ip, [v6]:port caller', { ip: 'unknow' }, '[2001:db8::1]:443', '2001:db8::1'],
    ['"unknown" ip, IPv4-mapped v6 caller', { ip: 'unknown' }, '::ffff:10.0.0.1', '10.0.0.1'],
    ['no ip, bare IPv4 caller', {}, '1.2.3.4', '1.2.3.4'],
    ['no ip, bare v6 caller', {}, '2001:db8::2', '2001:db8::2'],
  ])('%s', async (_label, args, callerIp, expectedIp) => {
    const { call } = await connect();
    const result = await call('maps_ip_location', args, { [CLIENT_IP_META_KEY]: callerIp });
    expect(result.isError).toBeFalsy();
    expect(onlyRequest().req.query).toEqual([['ip', expectedIp], ...K]);
  });

  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['no _meta at all', undefined, 'none was given and the caller address is not known'],
    ['a non-string caller ip', { [CLIENT_IP_META_KEY]: 42 }, 'none was given and the caller address is not known'],
    ['a blank caller ip', { [CLIENT_IP_META_KEY]: ' ' }, 'none was given and the caller address is not known'],
    ['a caller ip that is not an IP', { [CLIENT_IP_META_KEY]: 'evil.example.com:80' }, 'none was given and the caller address is not a valid IP'],
    ['an unrelated _meta key', { 'x-forwarded-for': '1.2.3.4' }, 'none was given and the caller address is not known'],
  ])('no ip and %s → isError, no upstream call', async (_label, meta, message) => {
    const { call } = await connect();
    const result = await call('maps_ip_location', { ip: 'unknow' }, meta);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`maps_ip_location needs an ip: ${message}`);
    expect(httpsFake.requests).toHaveLength(0);
  });
});

describe('AMap failures', () => {
  it.each<[string, string, string, string]>([
    ['maps_geo', V3_INVALID_KEY, 'https',
      'maps_geo failed: AMap rejected the request: INVALID_USER_KEY (infocode 10001); check the "apiKey" secret and its AMap quota'],
    ['maps_weather', V3_QUOTA, 'http',
      'maps_weather failed: AMap rejected the request: DAILY_QUERY_OVER_LIMIT (infocode 10003); check the "apiKey" secret and its AMap quota'],
    ['maps_regeocode', V3_INVALID_PARAMS, 'http', 'maps_regeocode failed: AMap rejected the request: INVALID_PARAMS (infocode 20000)'],
    ['maps_bicycling', V4_INVALID_KEY, 'http',
      'maps_bicycling failed: AMap rejected the request: INVALID_USER_KEY (infocode 10001); check the "apiKey" secret and its AMap quota'],
    ['maps_distance', '{"status":"1","info":"OK"', 'http', 'maps_distance failed: AMap returned malformed JSON'],
    ['maps_distance', '"OK"', 'http', 'maps_distance failed: AMap returned an unexpected response (not a JSON object)'],
  ])('%s with HTTP 200 %s → isError', async (tool, body, scheme, message) => {
    (scheme === 'https' ? httpsFake : httpFake).handle(() => ({ body }));
    const { call } = await connect();
    const args: Record<string, Record<string, string>> = {
      maps_geo: { address: '天安门' },
      maps_weather: { city: '北京' },
      maps_regeocode: { location: 'bad' },
      maps_bicycling: { origin: '1,2', destination: '3,4' },
      maps_distance: { origins: '1,2', destination: '3,4' },
    };
    const result = await call(tool, args[tool]!);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
  });

  it.each([
    [429, '{"status":"0","info":"CUQPS_HAS_EXCEEDED_THE_LIMIT","infocode":"10021"}',
      'maps_weather call failed, status: 429 ({"status":"0","info":"CUQPS_HAS_EXCEEDED_THE_LIMIT","infocode":"10021"})'],
    [500, '', 'maps_weather call failed, status: 500'],
    [502, '<html><body>502 Bad Gateway</body></html>', 'maps_weather call failed, status: 502 (<html><body>502 Bad Gateway</body></html>)'],
  ])('HTTP %i → isError with status', async (status, body, message) => {
    httpFake.handle(() => ({ status, body }));
    const { call } = await connect();
    const result = await call('maps_weather', { city: '北京' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
  });

  it.each([
    [{}, 'amap-tools is not configured: set the "apiKey" secret (agate mcp add <name> --server amap-tools --secret apiKey=… --replace)'],
    [{ apiKey: ' ' }, 'amap-tools is not configured: set the "apiKey" secret (agate mcp add <name> --server amap-tools --secret apiKey=… --replace)'],
  ])('settings %j → isError naming the setting, no upstream call', async (settings, message) => {
    const { call } = await connect({ settings });
    const result = await call('maps_weather', { city: '北京' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(message);
    expect(httpFake.requests).toHaveLength(0);
  });

  it('a slow upstream times out', async () => {
    httpFake.handle(() => ({ hang: true }));
    const { call } = await connect({ timeoutMs: 250 });
    const result = await call('maps_direction_driving', { origin: '1,2', destination: '3,4' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('maps_direction_driving call failed: restapi.amap.com did not answer within 250 ms');
  });

  it('a cancelled tools/call aborts the upstream request', async () => {
    httpFake.handle(() => ({ hang: true }));
    const { client } = await connect({ timeoutMs: 20_000 });
    const upstreamAborted = httpFake.nextAbort();
    const controller = new AbortController();
    const pending = client.callTool({ name: 'maps_weather', arguments: { city: '北京' } }, undefined, { signal: controller.signal });
    await pollUntil(() => httpFake.requests.length === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await withDeadline(upstreamAborted, 5_000);
    expect(httpFake.requests).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['maps_geo', {}, 'address'],
    ['maps_geo', { address: '' }, 'address'],
    ['maps_geo', { address: 1 }, 'address'],
    ['maps_distance', { origins: '1,2', destination: '3,4', type: '2' }, 'type'],
    ['maps_text_search', { keywords: 'x', citylimit: 'yes' }, 'citylimit'],
    ['maps_direction_transit_integrated', { origin: '1,2', destination: '3,4' }, 'city'],
    ['maps_weather', { city: '北京', extensions: 'base' }, 'extensions'],
  ])('%s %j is refused before any upstream call', async (tool, args, mentions) => {
    const { call } = await connect();
    const result = await call(tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`Input validation error: Invalid arguments for tool ${tool}`);
    expect(textOf(result)).toContain(mentions);
    expect(httpFake.requests.length + httpsFake.requests.length).toBe(0);
  });
});

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

async function pollUntil(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
