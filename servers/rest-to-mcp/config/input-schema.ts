import { modernProperties, modernSchema } from './arg-keywords.js';
import type { RestMode, RestToolArg } from './types.js';

const TYPE_ALIASES: Readonly<Record<string, string>> = { int: 'integer', float: 'number', double: 'number', bool: 'boolean' };
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

/** The JSON Schema type for an arg's declared type: aliases mapped, undefined when unknown. */
export function normalizeArgType(type: string): string | undefined {
  const mapped = TYPE_ALIASES[type] ?? type;
  return JSON_TYPES.has(mapped) ? mapped : undefined;
}

/**
 * The tool's `inputSchema`, shaped exactly like Higress's `RestMCPTool.InputSchema` (§2.2): description
 * always present, `items`/`properties` only for array/object, `required` only when non-empty. Strict
 * mode adds `additionalProperties: false` because it refuses undeclared arguments. Two deliberate
 * differences: an argument's JSON Schema keywords (`format`, `minimum`, ...) are kept, and draft-3
 * `required: true` inside `properties` becomes the object's `required` list (arg-keywords.ts).
 */
export function buildInputSchema(args: readonly RestToolArg[], mode: RestMode): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const arg of args) {
    const type = normalizeArgType(arg.type) ?? arg.type;
    const prop: Record<string, unknown> = { ...arg.keywords, type, description: arg.description };
    if (arg.enum !== undefined && arg.enum.length > 0) prop.enum = arg.enum;
    if (arg.default !== undefined && arg.default !== null) prop.default = arg.default;
    if (type === 'array' && arg.items !== undefined) prop.items = modernSchema(arg.items);
    if (type === 'object' && arg.properties !== undefined) {
      const moved = modernProperties(arg.properties);
      prop.properties = moved.properties;
      if (moved.required.length > 0) prop.required = moved.required;
    }
    properties[arg.name] = prop;
    if (arg.required) required.push(arg.name);
  }
  const schema: Record<string, unknown> = { type: 'object', properties };
  if (required.length > 0) schema.required = required;
  if (mode === 'strict') schema.additionalProperties = false;
  return schema;
}

/**
 * Annotations from HTTP semantics (the same rule the OpenAPI importer uses), unless the config sets
 * its own: GET/HEAD read-only, PUT idempotent, DELETE destructive and idempotent. Every REST tool
 * reaches an outside system, hence `openWorldHint`.
 */
export function annotationsFor(method: string | undefined, explicit?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const m = method?.toUpperCase();
  const derived: Record<string, unknown> =
    m === undefined
      ? { readOnlyHint: true, openWorldHint: false }
      : m === 'GET' || m === 'HEAD' || m === 'OPTIONS'
        ? { readOnlyHint: true, openWorldHint: true }
        : m === 'DELETE'
          ? { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }
          : m === 'PUT'
            ? { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }
            : { readOnlyHint: false, openWorldHint: true };
  return { ...derived, ...explicit };
}
