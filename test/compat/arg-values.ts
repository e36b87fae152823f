import type { CompiledTool } from '../../servers/rest-to-mcp/index.js';

type Schema = Readonly<Record<string, unknown>>;

/**
 * One value per declared argument, valid against the tool's advertised inputSchema (enum, oneOf, nested
 * required properties, item schemas, numeric bounds), so strict mode lets every call through. Strings carry a
 * space, '&' and non-ASCII text to exercise query re-encoding, except where they land in a URL path, host or
 * header, which take plain ASCII.
 */
export function argValuesFor(tool: CompiledTool): Record<string, unknown> {
  const urlSource = tool.request?.url.source ?? '';
  const properties = (tool.inputSchema.properties ?? {}) as Readonly<Record<string, Schema>>;
  const values: Record<string, unknown> = {};
  tool.args.forEach((arg, i) => {
    const plain = ['path', 'header', 'cookie'].includes(tool.positions.get(arg.name) ?? '') || urlSource.includes(`.args.${arg.name}`);
    values[arg.name] = valueFor(properties[arg.name] ?? { type: arg.type }, plain ? `v${i}x` : `a b&值${i}`);
  });
  return values;
}

function valueFor(schema: Schema, text: string): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const choice = (schema.oneOf ?? schema.anyOf) as readonly Schema[] | undefined;
  if (Array.isArray(choice) && choice.length > 0) return valueFor(choice[0]!, text);
  switch (schema.type) {
    case 'integer':
      return Math.max(7, typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 7);
    case 'number':
      return Math.max(2.5, typeof schema.minimum === 'number' ? schema.minimum : 2.5);
    case 'boolean':
      return true;
    case 'array':
      return [valueFor(isSchema(schema.items) ? schema.items : { type: 'string' }, 'item')];
    case 'object':
      return objectValue(schema);
    default:
      return text;
  }
}

// The required properties and those with an enum (a oneOf's discriminator), with values of their own schema;
// a free-form object gets one sample key.
function objectValue(schema: Schema): Record<string, unknown> {
  const properties = (isSchema(schema.properties) ? schema.properties : {}) as Readonly<Record<string, Schema>>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const names = [...new Set([...required, ...Object.keys(properties).filter((n) => Array.isArray(properties[n]?.enum))])];
  if (names.length === 0) return { k: 'v' };
  return Object.fromEntries(names.map((name) => [name, valueFor(properties[name] ?? {}, 'item')]));
}

function isSchema(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
