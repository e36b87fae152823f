// Routes, MCP servers and LLM routes take their rate limits from one definition (schemas/rate-limit.schema.json),
// and every config that was valid before stays valid, with the same defaults and field-naming errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatErrors, packageRoot, validateEntity, type EntityKind } from '../../registry/index.js';
import { schemaValidator, uncachedValidator } from '../../registry/validation.js';

const RATE = 'https://agate.dev/schemas/rate-limit.schema.json';
const schema = (file: string) => JSON.parse(readFileSync(join(packageRoot(), 'schemas', file), 'utf8'));
const route = { name: 'r', path: '/x', upstream: 'http://127.0.0.1:9' };
const mcp = { name: 'm', backend: { kind: 'remote', url: 'http://127.0.0.1:9' } };
const llm = { name: 'l', model: 'gpt-4o', targets: [{ provider: 'p' }] };
const mcpLimit = (perTool: unknown) => ({ ...mcp, rateLimit: { perTool } });

describe('one rate-limit schema definition', () => {
  it('route, MCP server and LLM route limits all $ref it', () => {
    expect(schema('route.schema.json').properties.rateLimit.$ref).toBe(`${RATE}#/$defs/bucket`);
    expect(schema('mcp-server.schema.json').$defs.limit.$ref).toBe(`${RATE}#/$defs/bucket`);
    const llmProps = schema('llm-route.schema.json').properties;
    expect(llmProps.tokensPerMinute.$ref).toBe(`${RATE}#/$defs/count`);
    expect(llmProps.requestsPerMinute.$ref).toBe(`${RATE}#/$defs/count`);
  });

  it.each<[EntityKind, unknown, Record<string, unknown>]>([
    ['route', { ...route, rateLimit: { requests: 5 } }, { rateLimit: { requests: 5, per: 'second', by: 'ip' } }],
    ['route', { ...route, rateLimit: { requests: 2, per: 'hour', burst: 4, by: 'consumer' } }, { rateLimit: { requests: 2, per: 'hour', burst: 4, by: 'consumer' } }],
    ['mcpServer', { ...mcp, rateLimit: { perConsumer: { requests: 1_000_000, windowSeconds: 86_400 } } }, { rateLimit: { perConsumer: { requests: 1_000_000, windowSeconds: 86_400 } } }],
    ['llmRoute', { ...llm, tokensPerMinute: 2_000_000_000, requestsPerMinute: 1 }, { tokensPerMinute: 2_000_000_000, requestsPerMinute: 1, limitPer: 'consumer' }],
  ])('a %s limit that was valid stays valid, with its defaults (%#)', (kind, input, expected) => {
    const result = validateEntity<Record<string, unknown>>(kind, input);
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.value).toMatchObject(expected);
  });

  it.each<[EntityKind, unknown, string]>([
    ['route', { ...route, rateLimit: { requests: 0 } }, 'route.rateLimit.requests: must be >= 1'],
    ['route', { ...route, rateLimit: { requests: 1e9 } }, 'route.rateLimit.requests: must be <= 100000000'],
    ['route', { ...route, rateLimit: { per: 'minute' } }, 'route.rateLimit.requests: is required'],
    ['route', { ...route, rateLimit: { requests: 1, per: 'day' } }, 'route.rateLimit.per: must be one of "second", "minute", "hour"'],
    ['route', { ...route, rateLimit: { requests: 1, windowSeconds: 5 } }, 'route.rateLimit.windowSeconds: is not allowed'],
    ['route', { ...route, rateLimit: { requests: 1, colour: 'red' } }, 'route.rateLimit.colour: is not allowed'],
    ['mcpServer', mcpLimit({ requests: 1 }), 'mcpServer.rateLimit.perTool.windowSeconds: is required'],
    ['mcpServer', mcpLimit({ requests: 2_000_000, windowSeconds: 1 }), 'mcpServer.rateLimit.perTool.requests: must be <= 1000000'],
    ['mcpServer', mcpLimit({ requests: 1, windowSeconds: 86_401 }), 'mcpServer.rateLimit.perTool.windowSeconds: must be <= 86400'],
    ['mcpServer', mcpLimit({ requests: 1, windowSeconds: 1, per: 'second' }), 'mcpServer.rateLimit.perTool.per: is not allowed'],
    ['mcpServer', mcpLimit({ requests: 1, windowSeconds: 1, burst: 3 }), 'mcpServer.rateLimit.perTool.burst: is not allowed'],
    ['llmRoute', { ...llm, tokensPerMinute: 0 }, 'llmRoute.tokensPerMinute: must be >= 1'],
    ['llmRoute', { ...llm, requestsPerMinute: 1.5 }, 'llmRoute.requestsPerMinute: must be integer'],
  ])('%s refuses a bad limit, naming the field (%#): %s', (kind, input, expected) => {
    const result = validateEntity(kind, input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContain(expected);
  });

  it.each<[EntityKind, unknown]>([
    ['route', { ...route, rateLimit: { requests: 1, windowSeconds: 5, colour: 'red' } }],
    ['mcpServer', mcpLimit({ requests: 0, per: 'second' })],
  ])('a cached %s validator agrees with a freshly compiled one on %j', (kind, input) => {
    const run = (fn: ReturnType<typeof schemaValidator>) => {
      const value = structuredClone(input);
      const ok = fn(value);
      return { ok, value, errors: formatErrors(kind, fn.errors ?? []) };
    };
    expect(run(schemaValidator(kind))).toEqual(run(uncachedValidator(kind)));
  });
});
