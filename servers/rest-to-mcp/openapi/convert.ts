import { annotationsFor } from '../config/input-schema.js';
import { inlineRefs, type Json } from './resolve-refs.js';
import { isObject, responsePreamble, typeName } from './response-text.js';
import { convertSecuritySchemes, operationSecurity } from './security.js';

/** Options for {@link openApiToRestConfig}. */
export interface OpenApiToRestOptions {
  /** Replaces `servers[0].url` (required when the spec has none or only a relative one). */
  baseUrl?: string;
  /** `server.name` of the generated config (default: the spec title, kebab-cased). */
  serverName?: string;
  /** Prefix added to every tool name. */
  toolPrefix?: string;
}

/** The generated config (a plain Higress-shaped object), or why there is none. */
export type OpenApiResult =
  | { readonly ok: true; readonly value: Json; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Converts an OpenAPI 3.0/3.1 document into a REST-to-MCP config following openapi-to-mcpserver
 * (higress-mcp.md §6.2): one tool per operation, parameters and body properties as positioned args,
 * `$ref`s inlined, a response preamble plus `outputSchema` from the first 2xx JSON response.
 */
export function openApiToRestConfig(doc: unknown, options: OpenApiToRestOptions = {}): OpenApiResult {
  if (!isObject(doc) || typeof doc.openapi !== 'string' || !/^3\.[01]\./.test(doc.openapi)) {
    return { ok: false, errors: ['not an OpenAPI 3.0 or 3.1 document (missing or unsupported "openapi" version)'] };
  }
  const problems: string[] = [];
  const base = baseUrl(doc, options.baseUrl);
  if (base === undefined) return { ok: false, errors: ['no absolute servers[0].url in the spec; pass --base-url'] };
  const tools: Json[] = [];
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (isObject(op)) tools.push(convertOperation(doc, { path, method, op, item, base, prefix: options.toolPrefix ?? '' }, problems));
    }
  }
  tools.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const info = isObject(doc.info) ? doc.info : {};
  const server: Json = { name: options.serverName ?? kebab(typeof info.title === 'string' ? info.title : 'openapi-server') };
  if (typeof info.description === 'string') server.description = info.description;
  const schemes = convertSecuritySchemes(doc, problems);
  if (schemes.length > 0) server.securitySchemes = schemes;
  return { ok: true, value: { server, tools }, warnings: problems };
}

interface OperationInput {
  path: string;
  method: (typeof METHODS)[number];
  op: Json;
  item: Json;
  base: string;
  prefix: string;
}

function convertOperation(doc: Json, input: OperationInput, problems: string[]): Json {
  const { op, method, path } = input;
  const name = `${input.prefix}${typeof op.operationId === 'string' ? op.operationId : `${method}_${path.replace(/^\//, '').replace(/\//g, '_').replace(/[{}]/g, '')}`}`;
  const args: Json[] = [...parameterArgs(doc, input, problems)];
  const requestTemplate: Json = { url: `${input.base}${path}`, method: method.toUpperCase() };
  const body = requestBody(doc, op, problems);
  if (body !== undefined) {
    args.push(...body.args);
    requestTemplate.headers = [{ key: 'Content-Type', value: body.contentType }];
  }
  const security = operationSecurity(doc, op);
  if (security !== undefined) requestTemplate.security = { id: security };
  const tool: Json = { name, description: describeOperation(op, method, path), args, requestTemplate };
  const response = successResponse(doc, op, problems);
  if (response !== undefined) {
    tool.responseTemplate = { prependBody: responsePreamble(response.schema, response.contentType) };
    if (typeName(response.schema) === 'object') tool.outputSchema = response.schema;
  }
  tool.annotations = annotationsFor(method.toUpperCase());
  return tool;
}

function parameterArgs(doc: Json, input: OperationInput, problems: string[]): Json[] {
  const byKey = new Map<string, Json>();
  // Path-item parameters apply to every operation; an operation's own parameter with the same name and location wins.
  for (const raw of [...asArray(input.item.parameters), ...asArray(input.op.parameters)]) {
    const p = inlineRefs(doc, raw, problems) as Json;
    if (typeof p.name !== 'string' || typeof p.in !== 'string') continue;
    byKey.set(`${p.in}:${p.name}`, p);
  }
  return [...byKey.values()].map((p) => {
    const schema = isObject(p.schema) ? p.schema : {};
    const arg = schemaArg(p.name as string, schema, p.in === 'path' || p.required === true);
    if (typeof p.description === 'string') arg.description = p.description;
    arg.position = p.in;
    return arg;
  });
}

function requestBody(doc: Json, op: Json, problems: string[]): { args: Json[]; contentType: string } | undefined {
  const body = inlineRefs(doc, op.requestBody, problems);
  if (!isObject(body) || !isObject(body.content)) return undefined;
  const contentType = BODY_TYPES.find((t) => isObject((body.content as Json)[t])) ?? Object.keys(body.content)[0];
  if (contentType === undefined) return undefined; // `content: {}` declares no media type at all
  const schema = (body.content as Json)[contentType];
  const media = isObject(schema) && isObject(schema.schema) ? schema.schema : undefined;
  if (media === undefined) return undefined;
  if (!isObject(media.properties)) {
    problems.push(`${String(op.operationId ?? '')}: request body is not an object schema; send it with a body template`);
    return undefined;
  }
  const required = new Set(asArray(media.required).filter((r): r is string => typeof r === 'string'));
  const args = Object.entries(media.properties)
    .filter(([, s]) => isObject(s) && s.readOnly !== true)
    .map(([name, s]) => ({ ...schemaArg(name, s as Json, required.has(name)), position: 'body' }));
  return { args, contentType: contentType === 'multipart/form-data' ? 'application/x-www-form-urlencoded' : contentType };
}

// An arg keeps the whole (inlined) schema of arrays and objects: enums, items and nested properties.
function schemaArg(name: string, schema: Json, required: boolean): Json {
  const type = typeName(schema);
  const arg: Json = { name, description: typeof schema.description === 'string' ? schema.description : '', type, required };
  if (Array.isArray(schema.enum)) arg.enum = schema.enum.filter((v) => v !== null);
  if (schema.default !== undefined) arg.default = schema.default;
  if (type === 'array' && isObject(schema.items)) arg.items = schema.items;
  if (type === 'object' && isObject(schema.properties)) arg.properties = schema.properties;
  return arg;
}

function successResponse(doc: Json, op: Json, problems: string[]): { schema: Json; contentType: string } | undefined {
  const responses = isObject(op.responses) ? op.responses : {};
  for (const code of Object.keys(responses).filter((c) => /^2(\d\d|XX)$/i.test(c)).sort()) {
    const res = inlineRefs(doc, responses[code], problems);
    if (!isObject(res) || !isObject(res.content)) continue;
    for (const [contentType, media] of Object.entries(res.content)) {
      if (isObject(media) && isObject(media.schema)) return { schema: media.schema, contentType };
    }
  }
  return undefined;
}

function describeOperation(op: Json, method: string, path: string): string {
  const summary = typeof op.summary === 'string' ? op.summary.trim() : '';
  const description = typeof op.description === 'string' ? op.description.trim() : '';
  if (summary !== '' && description !== '' && description !== summary) return `${summary}\n\n${description}`;
  return summary || description || `${method.toUpperCase()} ${path}`;
}

function baseUrl(doc: Json, override: string | undefined): string | undefined {
  const first = asArray(doc.servers)[0];
  let url = override ?? (isObject(first) && typeof first.url === 'string' ? first.url : undefined);
  if (url === undefined) return undefined;
  // Server variables take their defaults ({region} → us-east-1).
  const vars = !override && isObject(first) && isObject(first.variables) ? first.variables : {};
  url = url.replace(/\{(\w+)\}/g, (m, v: string) => (isObject(vars[v]) && typeof vars[v].default === 'string' ? vars[v].default : m));
  return /^https?:\/\/[^/]+/.test(url) ? url.replace(/\/+$/, '') : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function kebab(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'openapi-server';
}
