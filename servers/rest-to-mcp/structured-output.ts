// Higress puts the raw JSON body in structuredContent whatever its type (rest_server.go, "Check if tool
// has outputSchema"). MCP allows only an object there, under an outputSchema whose root is an object
// (2025-06-18 schema.ts; the SDK Client refuses anything else), so a non-object answer travels as
// `{ "result": <value> }` and its schema is advertised wrapped the same way.

/** True for a JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The outputSchema tools/list advertises: the config's, or `{type: object, properties: {result}}` around a non-object one. */
export function advertisedOutputSchema(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (schema.type === 'object') return { ...schema };
  return { type: 'object', properties: { result: schema }, required: ['result'] };
}

/** The structuredContent for a parsed JSON answer: an object as is, anything else under `result`. */
export function structuredContentFor(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : { result: value };
}
