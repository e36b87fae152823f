import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { compileValidator, loadValidator } from './schema-cache.js';

/** The entities with a schema in schemas/, by the title used in error paths. */
export type EntityKind = 'route' | 'upstream' | 'consumer' | 'mcpServer' | 'llmProvider' | 'llmRoute' | 'secret';

/** A validation outcome: the defaulted, frozen value, or messages that name the field. */
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const SCHEMA_FILES: Record<EntityKind, string> = {
  route: 'route.schema.json',
  upstream: 'upstream.schema.json',
  consumer: 'consumer.schema.json',
  mcpServer: 'mcp-server.schema.json',
  llmProvider: 'llm-provider.schema.json',
  llmRoute: 'llm-route.schema.json',
  secret: 'secret.schema.json',
};

const validators = new Map<EntityKind, ValidateFunction>();

const schemaId = (kind: EntityKind) => `https://agate.dev/schemas/${SCHEMA_FILES[kind]}`;

/**
 * The validator of an entity schema, each loaded once, on first use: `agate route add` must not pay for the
 * MCP and LLM schemas. Compiled code is cached across processes (see schema-cache.ts).
 */
export function schemaValidator(kind: EntityKind): ValidateFunction {
  let fn = validators.get(kind);
  if (!fn) {
    fn = loadValidator(schemaId(kind), kind);
    validators.set(kind, fn);
  }
  return fn;
}

/** A freshly compiled validator, bypassing the cache (tests compare the two). */
export function uncachedValidator(kind: EntityKind): ValidateFunction {
  return compileValidator(schemaId(kind));
}

/** Validates (and fills in defaults on a copy of) `input` against the entity's schema. */
export function validateEntity<T>(kind: EntityKind, input: unknown): Validated<T> {
  const value = structuredClone(input);
  const validate = schemaValidator(kind);
  if (validate(value)) return { ok: true, value: deepFreeze(value) as T };
  return { ok: false, errors: formatErrors(kind, validate.errors ?? []) };
}

/** Turns ajv errors into `route.path: must start with "/"` lines, one per field, without duplicates. */
export function formatErrors(root: string, errors: ErrorObject[]): string[] {
  const lines = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    let path = root + instancePathToDots(e.instancePath);
    let message = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage ?? e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path += '.' + (e.params as { missingProperty: string }).missingProperty;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const params = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
      path += '.' + (params.additionalProperty ?? params.unevaluatedProperty);
      message = 'is not allowed';
    } else if (e.keyword === 'false schema') {
      // A field a shared definition has but this use of it leaves out (a route's rateLimit takes no windowSeconds).
      message = 'is not allowed';
    } else if (e.keyword === 'enum') {
      message = 'must be one of ' + (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
    } else if (e.keyword !== 'pattern' && e.keyword !== 'format') {
      message = e.message ?? message;
    }
    lines.add(`${path}: ${message}`);
  }
  return [...lines];
}

function instancePathToDots(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('');
}

/** Freezes a plain JSON value all the way down, so compiled config cannot be mutated by accident. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
