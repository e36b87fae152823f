import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostedServers } from '../../../servers/index.js';
import { quarkSearchServer } from '../../../servers/quark-search/index.js';
import type { HostedServerOptions } from '../../../servers/hosted-server.js';
import { closedPortOrigin, startFakeUpstream, type FakeReply, type FakeUpstream } from '../shared/fake-upstream.js';
import { connectPair, textOf, type McpPair } from '../shared/mcp-pair.js';
import { pageItem, REJECTED_KEY_BODY, searchResponse, THROTTLED_BODY } from './fixtures.js';

const QUARK_ORIGIN = 'https://cloud-iqs.aliyuncs.com';
const API_KEY = 'iqs-test-key-0123456789';

let fake: FakeUpstream;
let pair: McpPair | undefined;

beforeAll(async () => {
  fake = await startFakeUpstream(() => ({ body: searchResponse([]) }));
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await pair?.close();
  pair = undefined;
  fake.requests.length = 0;
});

async function connect(options: Partial<HostedServerOptions> = {}, reply?: () => FakeReply): Promise<McpPair> {
  if (reply) fake.handle(reply);
  pair = await connectPair(
    quarkSearchServer.createServer({
      settings: { apiKey: API_KEY },
      originOverrides: { [QUARK_ORIGIN]: fake.origin },
      ...options,
    }),
  );
  return pair;
}

describe('quark-search definition', () => {
  it('is registered under its name with one required secret', () => {
    expect(hostedServers.get('quark-search')).toBe(quarkSearchServer);
    expect(quarkSearchServer.settings).toEqual([
      { name: 'apiKey', description: 'Alibaba Cloud IQS API key (sent as X-API-Key)', secret: true, required: true },
    ]);
  });

  it('reports its identity and instructions on initialize', async () => {
    const { client } = await connect();
    expect(client.getServerVersion()).toEqual({ name: 'quark-search', title: 'Quark Search', version: '1.0.0' });
    expect(client.getInstructions()).toBe(quarkSearchServer.description);
  });

  it.each([
    [{ timeoutMs: 0 }, 'timeoutMs must be a positive integer, got 0'],
    [{ timeoutMs: 1.5 }, 'timeoutMs must be a positive integer, got 1.5'],
    [{ maxResponseBytes: -1 }, 'maxResponseBytes must be a positive integer, got -1'],
    [{ originOverrides: { [QUARK_ORIGIN]: 'ftp://127.0.0.1' } }, 'must be an http(s) origin with no path'],
    [{ originOverrides: { [QUARK_ORIGIN]: 'http://127.0.0.1:9/prefix' } }, 'must be an http(s) origin with no path'],
    [{ originOverrides: { [QUARK_ORIGIN]: 'not a url' } }, 'must be an http(s) origin such as'],
    [{ originOverrides: { 'cloud-iqs.aliyuncs.com': 'http://127.0.0.1:9' } }, 'originOverrides key "cloud-iqs.aliyuncs.com"'],
  ])('createServer rejects bad options %j', (bad, message) => {
    expect(() => quarkSearchServer.createServer({ settings: { apiKey: API_KEY }, ...bad })).toThrow(message);
  });
});

describe('web_search schema', () => {
  it('lists exactly web_search with this input schema', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['web_search']);
    expect(tools[0]?.annotations).toEqual({ readOnlyHint: true, openWorldHint: true });
    expect(tools[0]?.description).toContain('please use Chinese for the query parameters');
    expect(tools[0]?.inputSchema).toEqual({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, description: 'Search query, please use Chinese', examples: ['黄金价格走势'] },
        contentMode: {
          type: 'string',
          enum: ['full', 'summary'],
          default: 'summary',
          description: 'Return the level of content detail, choose to use summary or full text',
        },
        number: { type: 'integer', minimum: 1, maximum: 20, default: 5, description: 'Number of results to return (1-20)' },
      },
      required: ['query'],
      additionalProperties: false,
    });
  });
});

describe('web_search upstream request', () => {
  it('sends GET /search/genericSearch?query=… with X-API-Key and Accept, nothing else in the query', async () => {
    const { call } = await connect();
    await call('web_search', { query: '黄金 价格&走势', contentMode: 'full', number: 3 });
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/search/genericSearch');
    expect(req.query).toEqual([['query', '黄金 价格&走势']]);
    expect(req.headers['x-api-key']).toBe(API_KEY);
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers.authorization).toBeUndefined();
  });
});

describe('web_search results', () => {
  it('renders summary-mode markdown from snippets', async () => {
    const { call } = await connect({}, () => ({ body: searchResponse([pageItem(1), pageItem(2)]) }));
    const result = await call('web_search', { query: '黄金价格走势' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(
      '# Search Results\n\n' +
        '## Title: 黄金价格走势分析 第1篇\n\n### Reference URL\nhttps://finance.example.cn/gold/trend-1.html\n\n' +
        '### Content\n第1篇摘要：国际金价本周震荡上行，现货黄金一度突破每盎司2700美元。\n\n' +
        '## Title: 黄金价格走势分析 第2篇\n\n### Reference URL\nhttps://finance.example.cn/gold/trend-2.html\n\n' +
        '### Content\n第2篇摘要：国际金价本周震荡上行，现货黄金一度突破每盎司2700美元。',
    );
  });

  it.each([
    ['markdownText when present', pageItem(1), '**第1篇**\n\n国际金价本周震荡上行。'],
    ['mainText when markdownText is empty', pageItem(1, { markdownText: '' }), '第1篇正文：国际金价本周震荡上行。'],
    ['mainText when markdownText is missing', pageItem(1, { markdownText: undefined }), '第1篇正文'],
  ])('full mode uses %s', async (_label, item, expected) => {
    const { call } = await connect({}, () => ({ body: searchResponse([item]) }));
    const text = textOf(await call('web_search', { query: '黄金价格走势', contentMode: 'full' }));
    expect(text).toContain(`### Content\n${expected}`);
    expect(text).not.toContain('摘要');
  });

  it('number counts returned results, not raw array positions (Higress quirk fixed)', async () => {
    const items = [pageItem(1, { link: '' }), pageItem(2, { snippet: '' }), pageItem(3), pageItem(4), pageItem(5)];
    const { call } = await connect({}, () => ({ body: searchResponse(items) }));
    const text = textOf(await call('web_search', { query: '黄金价格走势', number: 2 }));
    expect(text.match(/^## Title: /gm)).toHaveLength(2);
    expect(text).toContain('第3篇');
    expect(text).toContain('第4篇');
    expect(text).not.toContain('第5篇');
  });

  it('returns at most 5 results by default', async () => {
    const items = Array.from({ length: 8 }, (_, i) => pageItem(i + 1));
    const { call } = await connect({}, () => ({ body: searchResponse(items) }));
    const text = textOf(await call('web_search', { query: '黄金价格走势' }));
    expect(text.match(/^## Title: /gm)).toHaveLength(5);
    expect(text).not.toContain('第6篇');
  });

  it('collapses newlines in titles so they cannot inject markdown headings', async () => {
    const { call } = await connect({}, () => ({ body: searchResponse([pageItem(1, { title: 'A\n# injected\nB' })]) }));
    const text = textOf(await call('web_search', { query: '黄金价格走势' }));
    expect(text).toContain('## Title: A # injected B\n');
    expect(text).not.toMatch(/^# injected/m);
  });

  it.each([
    ['an empty pageItems', searchResponse([])],
    ['no pageItems field', JSON.stringify({ requestId: 'x', searchInformation: { total: 0 } })],
    ['only unusable items', searchResponse([pageItem(1, { title: '' }), { foo: 1 }, null, 'str'])],
  ])('says "no results" (not an error) for %s', async (_label, body) => {
    const { call } = await connect({}, () => ({ body }));
    const result = await call('web_search', { query: '不存在的词' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('# Search Results\n\nNo results found for "不存在的词".');
  });
});

describe('web_search failures', () => {
  it.each([
    [{}, 'quark-search is not configured: set the "apiKey" secret (agate mcp add <name> --server quark-search --secret apiKey=… --replace)'],
    [{ apiKey: '' }, 'quark-search is not configured: set the "apiKey" secret'],
    [{ apiKey: '   ' }, 'quark-search is not configured: set the "apiKey" secret'],
    [{ apiKey: 'abc\r\nX-Evil: 1' }, 'quark-search is misconfigured: the "apiKey" secret contains control characters'],
  ])('settings %j give an isError naming the setting and make no upstream call', async (settings, message) => {
    const { call } = await connect({ settings });
    const result = await call('web_search', { query: '黄金价格走势' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(message);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [401, REJECTED_KEY_BODY, 'quark search call failed, status: 401 ({"requestId":"0B8E5D3A-1C2F-4E6A-8B9D-7F0E1A2B3C4D","errorCode":"InvalidApiKey"'],
    [429, THROTTLED_BODY, 'quark search call failed, status: 429 ({"requestId":"3D4C5B6A-7980-4A1B-9C2D-3E4F5A6B7C8D","errorCode":"Throttling.User"'],
    [500, '<html>\n<body>Internal Server Error</body>\n</html>', 'quark search call failed, status: 500 (<html> <body>Internal Server Error</body> </html>)'],
    [503, '', 'quark search call failed, status: 503'],
  ])('HTTP %i gives an isError with the status and a body excerpt', async (status, body, message) => {
    const { call } = await connect({}, () => ({ status, body }));
    const result = await call('web_search', { query: '黄金价格走势' });
    expect(result.isError).toBe(true);
    expect(textOf(result).startsWith(message)).toBe(true);
  });

  it('masks the API key if the upstream echoes it and keeps the excerpt short', async () => {
    const body = `{"errorMessage":"key ${API_KEY} rejected","padding":"${'x'.repeat(1000)}"}`;
    const { call } = await connect({}, () => ({ status: 403, body }));
    const text = textOf(await call('web_search', { query: '黄金价格走势' }));
    expect(text).not.toContain(API_KEY);
    expect(text).toContain('key *** rejected');
    expect(text.length).toBeLessThan(300);
  });

  it.each([
    ['malformed JSON', '{"pageItems": [', 'quark search returned malformed JSON ({"pageItems": [)'],
    ['an HTML page with status 200', '<html>busy</html>', 'quark search returned malformed JSON'],
    ['a JSON array', '[]', 'quark search returned an unexpected response: expected a JSON object with pageItems'],
    ['pageItems that is not an array', '{"pageItems":{"title":"x"}}', 'pageItems is not an array'],
  ])('%s gives an isError saying so', async (_label, body, message) => {
    const { call } = await connect({}, () => ({ body }));
    const result = await call('web_search', { query: '黄金价格走势' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(message);
  });

  it('a slow upstream times out with a clear message', async () => {
    const { call } = await connect({ timeoutMs: 300 }, () => ({ hang: true }));
    const started = Date.now();
    const result = await call('web_search', { query: '黄金价格走势' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('quark search call failed: cloud-iqs.aliyuncs.com did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an oversized response is refused, not truncated', async () => {
    const items = Array.from({ length: 20 }, (_, i) => pageItem(i + 1));
    const { call } = await connect({ maxResponseBytes: 2048 }, () => ({ body: searchResponse(items) }));
    const result = await call('web_search', { query: '黄金价格走势' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('quark search call failed: response from cloud-iqs.aliyuncs.com is larger than the 2048-byte limit');
  });

  it('a refused connection names the canonical host, not the override', async () => {
    const dead = await closedPortOrigin();
    const { call } = await connect({ originOverrides: { [QUARK_ORIGIN]: dead } });
    const text = textOf(await call('web_search', { query: '黄金价格走势' }));
    expect(text).toBe('quark search call failed: could not reach cloud-iqs.aliyuncs.com (ECONNREFUSED)');
    expect(text).not.toContain('127.0.0.1');
  });

  it.each([
    [{}, 'expected string, received undefined'],
    [{ query: '' }, 'query'],
    [{ query: 'q', number: 0 }, 'number'],
    [{ query: 'q', number: 21 }, 'number'],
    [{ query: 'q', number: 2.5 }, 'number'],
    [{ query: 'q', number: '5' }, 'number'],
    [{ query: 'q', contentMode: 'brief' }, 'contentMode'],
    [{ query: 'q', page: 2 }, 'page'],
  ])('invalid arguments %j are refused before any upstream call', async (args, mentions) => {
    const { call } = await connect();
    const result = await call('web_search', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Input validation error: Invalid arguments for tool web_search');
    expect(textOf(result)).toContain(mentions);
    expect(fake.requests).toHaveLength(0);
  });
});
