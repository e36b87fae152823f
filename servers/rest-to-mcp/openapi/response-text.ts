import type { Json } from './resolve-refs.js';

/**
 * The markdown preamble openapi-to-mcpserver puts before the raw JSON (higress-mcp.md §6.2): one line
 * per field, `- **path**: description (Type: t)`, recursing into objects and array items (`[]`).
 */
export function responsePreamble(schema: Json, contentType: string): string {
  const lines = [
    '# API Response Information',
    '',
    "Below is the response from an API call. To help you understand the data, I've provided:",
    '',
    '1. A detailed description of all fields in the response structure',
    '2. The complete API response',
    '',
    '## Response Structure',
    '',
    `> Content-Type: ${contentType}`,
    '',
  ];
  lines.push(...describe(schema, '', 0), '', '## Original Response', '', '');
  return lines.join('\n');
}

/** One line per field of `schema`, whose fields sit at path `prefix`, `depth` levels down. */
function describe(schema: Json, prefix: string, depth: number): string[] {
  if (depth > 6) return [];
  const type = typeName(schema);
  if (type === 'array' && isObject(schema.items)) return describe(schema.items, `${prefix}[]`, depth);
  const props = isObject(schema.properties) ? schema.properties : {};
  const lines: string[] = [];
  for (const [name, sub] of Object.entries(props)) {
    if (!isObject(sub)) continue;
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const desc = typeof sub.description === 'string' ? sub.description.replace(/\s+/g, ' ').trim() : '';
    lines.push(`${'  '.repeat(depth)}- **${path}**: ${desc} (Type: ${typeName(sub)})`, ...describe(sub, path, depth + 1));
  }
  return lines;
}

/** The single JSON Schema type of a schema (3.1 type arrays: first non-null; default object/string). */
export function typeName(schema: Json): string {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'string';
  if (isObject(schema.properties)) return 'object';
  if (isObject(schema.items)) return 'array';
  return 'string';
}

/** A plain JSON object. */
export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
