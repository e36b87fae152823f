/**
 * JSON Schema → the OpenAPI 3.0 subset Gemini accepts for function parameters. Unknown keywords
 * (`additionalProperties`, `$schema`, `$ref`, …) make Gemini reject the whole request, so only known ones stay.
 */

const KEEP = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'items',
  'properties',
  'required',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'anyOf',
  'propertyOrdering',
  'minProperties',
  'maxProperties',
  'default',
  'example',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a cleaned deep copy; `type: ["string","null"]` becomes `type: "string", nullable: true`. */
export function toGeminiSchema(schema: unknown): Record<string, unknown> {
  if (!isObject(schema)) return {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    if (!KEEP.has(key)) continue;
    const value = schema[key];
    if (key === 'properties' && isObject(value)) {
      const props: Record<string, unknown> = {};
      for (const name of Object.keys(value)) props[name] = toGeminiSchema(value[name]);
      out.properties = props;
    } else if (key === 'items') {
      out.items = toGeminiSchema(value);
    } else if (key === 'anyOf' && Array.isArray(value)) {
      out.anyOf = value.map(toGeminiSchema);
    } else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      if (types.length !== value.length) out.nullable = true;
      if (types.length > 0) out.type = types[0];
    } else {
      out[key] = value;
    }
  }
  return out;
}
