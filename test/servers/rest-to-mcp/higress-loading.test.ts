import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestMcpServer, loadRestConfigFile, type CompiledRestConfig } from '../../../servers/rest-to-mcp/index.js';
import { connectPair, textOf, type McpPair } from '../shared/mcp-pair.js';
import { compile, jsonUpstream, loadErrors, oneTool } from './helpers.js';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';

// Expected schemas follow JSON Schema 2020-12 (format/minimum/maximum are validation keywords of the
// argument's own schema; a property's draft-3 `required: true` is the parent's `required: [name]`).
const FIXTURE = join(import.meta.dirname, 'fixtures', 'higress-constructs.yaml');

describe('constructs published Higress configs use (issue #18)', () => {
  let config: CompiledRestConfig;
  let upstream: LoopbackUpstream;
  let pair: McpPair;

  beforeAll(async () => {
    const loaded = await loadRestConfigFile(FIXTURE);
    if (!loaded.ok) throw new Error(`fixture refused:\n${loaded.errors.join('\n')}`);
    config = loaded.value;
    upstream = await jsonUpstream({ ok: true });
    pair = await connectPair(createRestMcpServer(config, { originOverrides: { 'https://api.example.com': upstream.url } }));
  });
  afterAll(async () => {
    await pair?.close();
    await upstream?.close();
  });

  it('loads, warning about the one key that is no JSON Schema keyword', () => {
    expect(config.tools.map((t) => t.name)).toEqual(['crawl', 'extract', 'count']);
    expect(config.warnings).toContain('tools[0] (crawl).args[2] (tag).x-ui-hint: not a JSON Schema keyword; dropped (Higress ignores it too)');
  });

  it('tools/list keeps format, minimum and maximum on the argument', async () => {
    const { tools } = await pair.client.listTools();
    const crawl = tools.find((t) => t.name === 'crawl')!;
    expect(crawl.inputSchema.properties).toEqual({
      url: { type: 'string', description: 'page to crawl', format: 'uri' },
      limit: { type: 'integer', description: 'how many', minimum: 1, maximum: 100 },
      tag: { type: 'string', description: 'a key Higress ignores and that means nothing in JSON Schema' },
    });
  });

  it('tools/list turns property-level required: true into the object\'s required list', async () => {
    const { tools } = await pair.client.listTools();
    const extract = tools.find((t) => t.name === 'extract')!;
    expect(extract.inputSchema.properties?.schema).toEqual({
      type: 'object',
      description: 'what to extract',
      properties: { title: { type: 'string' }, price: { type: 'number' } },
      required: ['title'],
    });
  });

  it('strict mode enforces the kept keywords, naming the argument', async () => {
    const over = await pair.call('crawl', { url: 'https://a.example', limit: 500 });
    expect(over.isError).toBe(true);
    expect(textOf(over)).toContain('argument "limit" must be <= 100');
    const missing = await pair.call('extract', { schema: { price: 3 } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('argument "title" is required');
    const fine = await pair.call('crawl', { url: 'https://a.example', limit: 5 });
    expect(fine.isError).toBeFalsy();
    expect(JSON.parse(upstream.requests.at(-1)!.body)).toEqual({ url: 'https://a.example', limit: 5 });
  });

  it('reads a Go type spelling as the JSON Schema type', async () => {
    const { tools } = await pair.client.listTools();
    expect(tools.find((t) => t.name === 'count')!.inputSchema.properties?.n).toEqual({ type: 'integer', description: 'a number' });
  });

  it('still refuses an argument keyword with a wrong value type, naming it', () => {
    expect(loadErrors(oneTool({ args: [{ name: 'a', type: 'integer', minimum: 'one' }], requestTemplate: { url: 'https://a.example/' } }))).toContain(
      'test.yaml: tools[0] (t).args[0].minimum: must be number',
    );
  });

  it('keeps server.version (reported in initialize) and reads an unknown server.type as REST, as Higress does', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    expect(text).toContain('type: rest-api');
    expect(pair.client.getServerVersion()).toMatchObject({ name: 'constructs', version: '1.2.0' });
    expect(compile(oneTool({ requestTemplate: { url: 'https://a.example/' } }, { type: 'rest', version: '2.0.0' })).tools).toHaveLength(1);
  });
});

describe('path-only request URLs (Higress: the route upstream; agate: the server base URL)', () => {
  const doc = oneTool({ args: [{ name: 'id', type: 'string', required: true, position: 'path' }], requestTemplate: { url: '/notes/{id}' } });

  it('without a base URL a call is a tool error naming the URL, and nothing is sent', async () => {
    const pair = await connectPair(createRestMcpServer(compile(doc)));
    try {
      const r = await pair.call('t', { id: 'n1' });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toBe('URL "/notes/{id}" is a path and the server has no base URL');
    } finally {
      await pair.close();
    }
  });

  it('a caller value stays one segment under the base path: it cannot climb out or pick a host', async () => {
    const upstream = await jsonUpstream({ ok: true });
    const pair = await connectPair(createRestMcpServer(compile(doc), { baseUrl: `${upstream.url}/v1/` }));
    try {
      expect((await pair.call('t', { id: '../admin' })).isError).toBeFalsy();
      expect((await pair.call('t', { id: '//evil.example/x' })).isError).toBeFalsy();
      expect(upstream.requests.map((q) => q.url)).toEqual(['/v1/notes/..%2Fadmin', '/v1/notes/%2F%2Fevil.example%2Fx']);
      const dots = await pair.call('t', { id: '..' });
      expect(dots.isError).toBe(true);
      expect(upstream.requests).toHaveLength(2);
    } finally {
      await pair.close();
      await upstream.close();
    }
  });

  it('a base URL that is no http(s) URL is refused when the server is built', () => {
    expect(() => createRestMcpServer(compile(doc), { baseUrl: 'file:///etc' })).toThrow('baseUrl: must be an absolute http or https URL (got "file:///etc")');
  });
});
