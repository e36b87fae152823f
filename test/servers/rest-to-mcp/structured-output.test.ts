import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackUpstream } from '../../helpers/loopback-upstream.js';
import type { McpPair } from '../shared/mcp-pair.js';
import { API, jsonUpstream, oneTool, serve } from './helpers.js';

// Higress (rest_server.go) sets structuredContent to the raw body whenever outputSchema is non-empty and
// the body is valid JSON, whatever its type. MCP (2025-06-18, schema.ts CallToolResult) only allows an
// object there and an outputSchema whose root is `type: object`, and the SDK Client enforces both.
let pair: McpPair | undefined;
let upstream: LoopbackUpstream | undefined;
afterEach(async () => {
  await pair?.close();
  await upstream?.close();
  pair = undefined;
  upstream = undefined;
});

async function callWith(body: string, outputSchema: Record<string, unknown>): Promise<{ listed: unknown; structured: unknown; text: unknown }> {
  upstream = await jsonUpstream(body);
  pair = await serve(oneTool({ args: [], requestTemplate: { url: `${API}/o`, method: 'GET' }, outputSchema }), { originOverrides: { [API]: upstream.url } });
  // listTools first: the SDK Client then checks every result against the advertised outputSchema.
  const listed = (await pair.client.listTools()).tools[0]!.outputSchema;
  const result = await pair.call('t', {});
  expect(result.isError, JSON.stringify(result)).toBeFalsy();
  return { listed, structured: result.structuredContent, text: result.content[0]?.type === 'text' ? result.content[0].text : undefined };
}

describe('outputSchema with an array or scalar answer', () => {
  it.each([
    ['an array', '[{"id":1},{"id":2}]', { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } }, [{ id: 1 }, { id: 2 }]],
    ['a string', '"ready"', { type: 'string' }, 'ready'],
    ['a number', '42', { type: 'number' }, 42],
    ['a boolean', 'true', { type: 'boolean' }, true],
    ['null', 'null', { type: 'null' }, null],
  ])('gives %s as structuredContent {result: …} under an advertised {type: object, properties: {result}} schema', async (_n, body, schema, value) => {
    const got = await callWith(body, schema);
    expect(got.listed).toEqual({ type: 'object', properties: { result: schema }, required: ['result'] });
    expect(got.structured).toEqual({ result: value });
    // The text block is the raw body, as in Higress.
    expect(got.text).toBe(body);
  });

  it('keeps an object answer under an object schema unchanged (what Higress sends)', async () => {
    const schema = { type: 'object', properties: { id: { type: 'string' } } };
    const got = await callWith('{"id":"o-1","extra":2}', schema);
    expect(got.listed).toEqual(schema);
    expect(got.structured).toEqual({ id: 'o-1', extra: 2 });
  });

  it('adds no structuredContent for a body that is not JSON (Higress: "don\'t force structuredContent creation")', async () => {
    upstream = await jsonUpstream('plain words');
    pair = await serve(oneTool({ args: [], requestTemplate: { url: `${API}/o`, method: 'GET' }, outputSchema: { type: 'string' } }), { originOverrides: { [API]: upstream.url } });
    const result = await pair.call('t', {});
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: 'plain words' }]);
  });
});
