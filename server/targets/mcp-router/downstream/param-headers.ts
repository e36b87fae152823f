import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, errors } from '../../../errors/index.js';
import { isObject } from '../json-rpc.js';
import { decodeHeaderValue } from './era.js';

// `x-mcp-header` (2026-07-28 basic/transports/streamable-http.mdx §Custom Headers from Tool Parameters): a
// tool parameter so annotated is mirrored by the client into `Mcp-Param-{Name}`, and a server that processes the
// body must check that header against the argument. Only annotations the spec allows count: a token name, unique
// without regard to case, on a string, integer or boolean property reached through `properties` keys alone.

/** One annotated parameter: its header name and where its value sits in the arguments. */
interface ParamHeader {
  readonly header: string;
  readonly path: readonly string[];
  readonly type: 'string' | 'integer' | 'boolean';
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRIMITIVE: ReadonlySet<string> = new Set(['string', 'integer', 'boolean']);
/** Nesting followed when looking for annotations (schemas deeper than this declare none that count). */
const MAX_DEPTH = 8;

/** The annotated parameters of an input schema; an invalid annotation is not honoured (clients drop such tools). */
export function paramHeadersOf(inputSchema: unknown): ParamHeader[] {
  const found: ParamHeader[] = [];
  collect(inputSchema, [], found);
  const seen = new Set<string>();
  const unique = found.filter((p) => {
    const key = p.header.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.length === found.length ? unique : [];
}

function collect(schema: unknown, path: string[], out: ParamHeader[]): void {
  if (!isObject(schema) || path.length > MAX_DEPTH || !isObject(schema.properties)) return;
  for (const [key, property] of Object.entries(schema.properties)) {
    if (!isObject(property)) continue;
    const header = property['x-mcp-header'];
    const type = property.type;
    if (typeof header === 'string' && TOKEN.test(header) && typeof type === 'string' && PRIMITIVE.has(type)) {
      out.push({ header, path: [...path, key], type: type as ParamHeader['type'] });
    }
    collect(property, [...path, key], out);
  }
}

/**
 * Checks the `Mcp-Param-*` headers of a tools/call against its arguments: a value present in the body needs its
 * header, equal once decoded (integers compared as numbers); an absent or null value expects none. Throws -32020.
 */
export function checkParamHeaders(headers: IncomingHttpHeaders, params: readonly ParamHeader[], args: unknown): void {
  for (const p of params) {
    const value = valueAt(args, p.path);
    if (value === undefined || value === null) continue;
    const name = `mcp-param-${p.header.toLowerCase()}`;
    const raw = headers[name];
    const label = `Mcp-Param-${p.header}`;
    if (raw === undefined) throw mismatch(`the ${label} header is missing (the body carries ${p.path.join('.')}=${JSON.stringify(value)})`);
    const decoded = typeof raw === 'string' ? decodeHeaderValue(raw) : undefined;
    if (decoded === undefined) throw mismatch(`the ${label} header is malformed`);
    if (!same(decoded, value, p.type)) throw mismatch(`${label} header ${JSON.stringify(decoded)} does not match the body's ${p.path.join('.')}=${JSON.stringify(value)}`);
  }
}

function same(header: string, value: unknown, type: ParamHeader['type']): boolean {
  if (type === 'integer' && typeof value === 'number') return /^-?\d+(\.0+)?$/.test(header) && Number(header) === value;
  if (type === 'boolean' && typeof value === 'boolean') return header === String(value);
  return typeof value === 'string' && header === value;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

function mismatch(detail: string): GatewayError {
  return new GatewayError(errors.GW_ERR_MCP_HEADER_MISMATCH, [detail]);
}
