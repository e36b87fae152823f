import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRestMcpServer, openApiToRestConfig, parseOpenApiText, validateRestConfig, type OpenApiToRestOptions } from '../../../servers/rest-to-mcp/index.js';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import { connectPair, type McpPair } from '../shared/mcp-pair.js';
import { jsonUpstream } from './helpers.js';

const fixture = (name: string): unknown => parseOpenApiText(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

function convert(name: string, options?: OpenApiToRestOptions): Record<string, any> {
  const result = openApiToRestConfig(fixture(name), options);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value as Record<string, any>;
}

const tool = (config: Record<string, any>, name: string) => config.tools.find((t: { name: string }) => t.name === name);

let upstream: LoopbackUpstream | undefined;
let pair: McpPair | undefined;
afterEach(async () => {
  await pair?.close();
  await upstream?.close();
  pair = undefined;
});

describe('OpenAPI → REST-to-MCP (higress-mcp.md §6.2)', () => {
  it('converts the petstore with $refs inlined, cycles cut, enums, arrays and nested objects kept', () => {
    const config = convert('petstore-refs.yaml');
    expect(config.server.name).toBe('petstore-refs');
    expect(config.tools.map((t: { name: string }) => t.name)).toEqual(['createPet', 'listPets']);
    const list = tool(config, 'listPets');
    expect(list.requestTemplate).toEqual({ url: 'https://petstore.example.com/v1/pets', method: 'GET' });
    expect(list.args).toEqual([
      { name: 'limit', description: 'How many items to return', type: 'integer', required: false, default: 20, position: 'query' },
      { name: 'status', description: '', type: 'string', required: false, enum: ['available', 'pending', 'sold'], position: 'query' },
    ]);
    expect(list.annotations).toMatchObject({ readOnlyHint: true });
    expect(list.outputSchema.properties.items.items.properties.status.enum).toEqual(['available', 'pending', 'sold']);
    expect(list.responseTemplate.prependBody).toContain('- **items[].id**: Pet id (Type: integer)');
    expect(list.responseTemplate.prependBody.endsWith('## Original Response\n\n')).toBe(true);
    const create = tool(config, 'createPet');
    const owner = create.args.find((a: { name: string }) => a.name === 'owner');
    expect(owner).toMatchObject({ type: 'object', position: 'body' });
    expect(owner.properties.friends.items).toEqual({ type: 'object', description: 'recursive Person' });
    expect(create.args.find((a: { name: string }) => a.name === 'tags').items).toEqual({ type: 'object', properties: { label: { type: 'string' } } });
    expect(JSON.stringify(config)).not.toContain('$ref');
    expect(validateRestConfig(config).ok).toBe(true);
  });

  it('converts a form body, a 3.1 type array, server variables and $defs', () => {
    const config = convert('form-body.json');
    const t = tool(config, 'post_oauth_token');
    expect(t.requestTemplate.url).toBe('https://eu.auth.example.com/oauth/token');
    expect(t.requestTemplate.headers).toEqual([{ key: 'Content-Type', value: 'application/x-www-form-urlencoded' }]);
    expect(t.args.map((a: { name: string; type: string; required: boolean }) => [a.name, a.type, a.required])).toEqual([
      ['grant_type', 'string', true],
      ['code', 'string', true],
      ['scope', 'string', false],
    ]);
    expect(t.outputSchema.properties.expires_in).toEqual({ type: 'integer' });
    expect(validateRestConfig(config).ok).toBe(true);
  });

  it('converts path-item parameters, header params, security and HTTP-semantic annotations', () => {
    const config = convert('path-security.yaml', { baseUrl: 'https://orders.example.com/' });
    expect(config.server.securitySchemes).toEqual([
      { id: 'ApiKeyAuth', type: 'apiKey', in: 'header', name: 'X-API-Key', defaultCredential: 'default-key' },
      { id: 'BearerAuth', type: 'http', scheme: 'bearer' },
    ]);
    const get = tool(config, 'get_orders_orderId');
    expect(get.requestTemplate).toEqual({ url: 'https://orders.example.com/orders/{orderId}', method: 'GET', security: { id: 'ApiKeyAuth' } });
    expect(get.args.map((a: { name: string; position: string; required: boolean }) => [a.name, a.position, a.required])).toEqual([
      ['orderId', 'path', true],
      ['X-Trace', 'header', false],
    ]);
    expect(tool(config, 'replaceOrder').requestTemplate.security).toEqual({ id: 'BearerAuth' });
    expect(tool(config, 'replaceOrder').annotations).toMatchObject({ idempotentHint: true, destructiveHint: false });
    expect(tool(config, 'deleteOrder').annotations).toMatchObject({ destructiveHint: true });
  });

  it.each([
    ['a relative server URL without --base-url', 'path-security.yaml', 'no absolute servers[0].url in the spec; pass --base-url'],
  ])('refuses %s', (_n, name, message) => {
    const result = openApiToRestConfig(fixture(name));
    expect(result.ok ? [] : result.errors).toEqual([message]);
  });

  it('refuses a document that is not OpenAPI 3', () => {
    expect(openApiToRestConfig({ swagger: '2.0' }).ok).toBe(false);
  });

  it('serves a converted spec: path and header args, default apiKey credential', async () => {
    upstream = await jsonUpstream({ id: 'o-9' });
    const converted = convert('path-security.yaml', { baseUrl: 'https://orders.example.com' });
    const loaded = validateRestConfig(converted);
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    pair = await connectPair(createRestMcpServer(loaded.value, { originOverrides: { 'https://orders.example.com': upstream.url } }));
    const result = await pair.call('get_orders_orderId', { orderId: 'o-9', 'X-Trace': 'tr-1' });
    expect(result.structuredContent).toEqual({ id: 'o-9' });
    const req = upstream.requests[0]!;
    expect([req.method, req.url, req.headers['x-api-key'], req.headers['x-trace']]).toEqual(['GET', '/orders/o-9', 'default-key', 'tr-1']);
  });
});
