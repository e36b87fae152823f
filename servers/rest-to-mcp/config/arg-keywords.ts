import type { RestToolArg } from './types.js';

/** Keys Higress's `RestToolArg` reads; every other key of an argument is one Higress ignores. */
const HIGRESS_ARG_FIELDS = new Set(['name', 'description', 'type', 'required', 'default', 'enum', 'items', 'properties', 'position']);

/**
 * JSON Schema keywords an argument may carry (published configs write `format`, `minimum`, `maximum`).
 * Higress drops them; agate keeps them in the tool's inputSchema, where clients and strict mode use them.
 */
const ARG_SCHEMA_KEYWORDS = new Set([
  'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'additionalProperties', 'const', 'examples', 'title', 'deprecated',
]);

/** An argument's extra keys split into the JSON Schema keywords kept and the keys dropped. */
export function argExtras(arg: Readonly<Record<string, unknown>>): { keywords: Record<string, unknown>; dropped: string[] } {
  const keywords: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(arg)) {
    if (HIGRESS_ARG_FIELDS.has(key)) continue;
    if (ARG_SCHEMA_KEYWORDS.has(key)) keywords[key] = value;
    else dropped.push(key);
  }
  return { keywords, dropped };
}

/** The Higress fields of an argument only (what the rest of the loader reads), extras removed. */
export function higressArgFields(arg: Readonly<Record<string, unknown>>): RestToolArg {
  return Object.fromEntries(Object.entries(arg).filter(([k]) => HIGRESS_ARG_FIELDS.has(k))) as unknown as RestToolArg;
}

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A `properties` map with draft-3 `required: true` moved out of each property (Higress configs copied from
 * draft-3 era docs write it; 2020-12 wants the names in the parent's `required` list, and ajv refuses a
 * boolean there). Returns the cleaned map and the names that were required.
 */
export function modernProperties(properties: Readonly<Schema>): { properties: Schema; required: string[] } {
  const out: Schema = {};
  const required: string[] = [];
  for (const [name, child] of Object.entries(properties)) {
    if (isObject(child) && typeof child.required === 'boolean') {
      if (child.required) required.push(name);
      const { required: _drop, ...rest } = child;
      out[name] = modernSchema(rest);
    } else out[name] = modernSchema(child);
  }
  return { properties: out, required };
}

/** A subschema with {@link modernProperties} applied wherever it nests properties (items, combinators). */
export function modernSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(modernSchema);
  if (!isObject(schema)) return schema;
  const out: Schema = { ...schema };
  if (isObject(schema.properties)) {
    const moved = modernProperties(schema.properties);
    out.properties = moved.properties;
    const own = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
    if (moved.required.length > 0) out.required = [...new Set([...own, ...moved.required])];
  }
  for (const key of ['items', 'additionalProperties', 'prefixItems', 'anyOf', 'oneOf', 'allOf', 'not']) {
    if (key in schema) out[key] = modernSchema(schema[key]);
  }
  return out;
}
