import type { CompiledTool } from '../../servers/rest-to-mcp/index.js';

/**
 * One value per declared argument. Strings carry a space, '&' and non-ASCII text to exercise query
 * re-encoding, except where they land in a URL path, host or header, which take plain ASCII.
 */
export function argValuesFor(tool: CompiledTool): Record<string, unknown> {
  const urlSource = tool.request?.url.source ?? '';
  const values: Record<string, unknown> = {};
  tool.args.forEach((arg, i) => {
    if (arg.enum !== undefined && arg.enum.length > 0) {
      values[arg.name] = arg.enum[0];
      return;
    }
    const plain = ['path', 'header', 'cookie'].includes(tool.positions.get(arg.name) ?? '') || urlSource.includes(`.args.${arg.name}`);
    values[arg.name] = valueOfType(arg.type, plain ? `v${i}x` : `a b&值${i}`, arg.items);
  });
  return values;
}

function valueOfType(type: string, text: string, items: Readonly<Record<string, unknown>> | undefined): unknown {
  switch (type) {
    case 'integer':
      return 7;
    case 'number':
      return 2.5;
    case 'boolean':
      return true;
    case 'array':
      return [valueOfType(typeof items?.type === 'string' ? items.type : 'string', 'item', undefined)];
    case 'object':
      return { k: 'v' };
    default:
      return text;
  }
}
