import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';
import { parseTemplate, TemplateSyntaxError, type CompiledTemplate } from '../template/index.js';
import { argExtras, higressArgFields } from './arg-keywords.js';
import { isMcpProxy, mcpProxyTarget } from './mcp-proxy.js';
import { annotationsFor, buildInputSchema, normalizeArgType } from './input-schema.js';
import { toolLabel } from './rules.js';
import type { AgateRestOptions, ArgPosition, BodyMode, CompiledRequest, CompiledRestConfig, CompiledTool, RestMcpConfig, RestMode, RestToolConfig } from './types.js';

/** Template functions agate supplies per call (higress-mcp.md §2.7); parse must know their names. */
const CALL_TEMPLATE_FUNCS = ['getRealIP', 'getSocketIP'] as const;

const POSITIONS = new Set<ArgPosition>(['path', 'query', 'header', 'cookie', 'body']);

/** Collects errors while compiling, so one load reports every broken template at once. */
class Problems {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  /** `mode` picks the templates' Sprig calling convention (higress: gjson_template's). */
  constructor(private readonly mode: RestMode) {}

  template(source: string, where: string, name: string): CompiledTemplate | undefined {
    try {
      return parseTemplate(source, name, { knownFuncs: [...CALL_TEMPLATE_FUNCS], mode: this.mode });
    } catch (err) {
      if (err instanceof TemplateSyntaxError) {
        this.errors.push(`${where}: template syntax error at line ${err.line}, column ${err.column}: ${err.detail}`);
      } else {
        this.errors.push(`${where}: template cannot be parsed: ${(err as Error).message}`);
      }
      return undefined;
    }
  }
}

/** Parses every template once and builds the frozen, servable config. Returns errors instead on failure. */
export function compileConfig(config: RestMcpConfig, source: Readonly<Record<string, unknown>>): { value?: CompiledRestConfig; errors: string[] } {
  if (isMcpProxy(config)) return compileMcpProxy(config, source);
  const agate: AgateRestOptions = config.agate ?? { mode: 'strict', allowHosts: [] };
  const problems = new Problems(agate.mode);
  const run: CompileRun = { agate, problems };
  const tools = (config.tools ?? []).map((tool, i) => compileTool(tool, i, run));
  const known = new Set(tools.map((t) => t.name));
  for (const name of config.allowTools ?? []) {
    if (!known.has(name) && config.toolSet === undefined) problems.warnings.push(`allowTools: no tool named "${name}"`);
  }
  for (const name of Object.keys(agate.tools ?? {})) {
    if (!known.has(name)) problems.errors.push(`agate.tools.${name}: no tool with that name`);
  }
  if (problems.errors.length > 0) return { errors: problems.errors };
  const server = config.server;
  const value: CompiledRestConfig = {
    kind: server !== undefined ? 'server' : 'toolSet',
    name: server?.name ?? config.toolSet?.name ?? '',
    description: server?.description,
    version: server?.version,
    config: server?.config ?? {},
    configRefs: configReferences(tools),
    securitySchemes: new Map((server?.securitySchemes ?? []).map((s) => [s.id, s] as const)),
    defaultDownstreamSecurity: server?.defaultDownstreamSecurity,
    defaultUpstreamSecurity: server?.defaultUpstreamSecurity,
    passthroughAuthHeader: server?.passthroughAuthHeader ?? false,
    allowTools: config.allowTools,
    tools,
    toolSet: config.toolSet,
    agate,
    warnings: problems.warnings,
    source,
  };
  return { value: deepFreeze(value), errors: [] };
}

/**
 * Every `X` a template reads as `.config.X`, in first-use order, found on the templates' parse trees: each is a
 * setting the operator (or a consumer) may supply. Only templates rendered over `{config, args}` count: the
 * request's URL, headers and body, and a direct-response tool's response; a response or error template over an
 * upstream answer reads that answer's own `config` field, if any, not a setting.
 */
function configReferences(tools: readonly CompiledTool[]): string[] {
  const names = new Set<string>();
  for (const t of tools) {
    const templates = t.request ? [t.request.url, t.request.body, ...t.request.headers.map((h) => h.value)] : [t.responseBody];
    for (const template of templates) for (const name of template?.rootFields('config') ?? []) names.add(name);
  }
  return [...names];
}

function compileMcpProxy(config: RestMcpConfig, source: Readonly<Record<string, unknown>>): { value: CompiledRestConfig; errors: string[] } {
  const server = config.server!;
  const { target, warnings } = mcpProxyTarget(config);
  const value: CompiledRestConfig = {
    kind: 'mcpProxy',
    proxy: target,
    name: server.name,
    description: server.description,
    version: server.version,
    config: server.config ?? {},
    configRefs: [],
    securitySchemes: new Map(),
    passthroughAuthHeader: server.passthroughAuthHeader,
    tools: [],
    agate: config.agate ?? { mode: 'strict', allowHosts: [] },
    warnings,
    source,
  };
  return { value: deepFreeze(value), errors: [] };
}

/** What every tool's compilation shares: the operator's options and the problems found so far. */
interface CompileRun {
  readonly agate: AgateRestOptions;
  readonly problems: Problems;
}

function compileTool(tool: RestToolConfig, i: number, run: CompileRun): CompiledTool {
  const { agate, problems } = run;
  const label = toolLabel(i, tool);
  const positions = new Map<string, ArgPosition>();
  const args = tool.args.map((raw, j) => {
    const arg = higressArgFields(raw as unknown as Record<string, unknown>);
    const { keywords, dropped } = argExtras(raw as unknown as Record<string, unknown>);
    for (const key of dropped) problems.warnings.push(`${label}.args[${j}] (${arg.name}).${key}: not a JSON Schema keyword; dropped (Higress ignores it too)`);
    const type = normalizeArgType(arg.type);
    if (type === undefined) problems.errors.push(`${label}.args[${j}] (${arg.name}).type: "${arg.type}" is not a JSON Schema type`);
    else if (type !== arg.type) problems.warnings.push(`${label}.args[${j}] (${arg.name}).type: "${arg.type}" read as "${type}"`);
    const position = (arg.position ?? '').toLowerCase() as ArgPosition;
    positions.set(arg.name, POSITIONS.has(position) ? position : 'default');
    return { ...arg, type: type ?? arg.type, ...(Object.keys(keywords).length > 0 && { keywords }) };
  }).filter((arg, j, all) => {
    // Higress keeps args in maps, so a repeated name means the last declaration wins.
    const last = !all.slice(j + 1).some((a) => a.name === arg.name);
    if (!last) problems.warnings.push(`${label}.args[${j}] (${arg.name}): declared again later; the later declaration wins`);
    return last;
  });
  const req = tool.requestTemplate;
  const direct = req?.url === undefined || req.url === '';
  const request = direct ? undefined : compileRequest(tool, label, problems);
  const res = tool.responseTemplate;
  const responseBody = res?.body ? problems.template(res.body, `${label}.responseTemplate.body`, 'response') : undefined;
  const errorResponse = tool.errorResponseTemplate
    ? problems.template(tool.errorResponseTemplate, `${label}.errorResponseTemplate`, 'errorResponse')
    : undefined;
  const inputSchema = buildInputSchema(args, agate.mode);
  const limits = agate.tools?.[tool.name];
  return {
    name: tool.name,
    description: tool.description,
    args,
    positions,
    inputSchema,
    outputSchema: tool.outputSchema !== undefined && Object.keys(tool.outputSchema).length > 0 ? tool.outputSchema : undefined,
    annotations: annotationsFor(direct ? undefined : req?.method, tool.annotations),
    security: tool.security,
    request,
    responseBody,
    responseReadsArgs: /\.args\b/.test(res?.body ?? ''),
    prependBody: res?.prependBody ?? '',
    appendBody: res?.appendBody ?? '',
    errorResponse,
    timeoutMs: limits?.timeoutMs,
    maxResponseBytes: limits?.maxResponseBytes,
    validateArgs: agate.mode === 'strict' ? argValidator(inputSchema, label, problems) : undefined,
  };
}

function compileRequest(tool: RestToolConfig, label: string, problems: Problems): CompiledRequest | undefined {
  const req = tool.requestTemplate!;
  const url = problems.template(req.url!, `${label}.requestTemplate.url`, 'url');
  const headers = req.headers.map((h, k) => ({ key: h.key, value: problems.template(h.value, `${label}.requestTemplate.headers[${k}] (${h.key}).value`, `header_${k}`) }));
  const body = req.body ? problems.template(req.body, `${label}.requestTemplate.body`, 'body') : undefined;
  if (url === undefined || headers.some((h) => h.value === undefined) || (req.body && body === undefined)) return undefined;
  const bodyMode: BodyMode = req.argsToJsonBody ? 'json' : req.argsToFormBody ? 'form' : req.argsToUrlParam ? 'url' : 'none';
  return {
    url,
    pathOnly: isPathOnly(req.url!),
    method: req.method.toUpperCase(),
    // Higress skips headers with an empty key at call time; doing it here keeps the call path simple.
    headers: headers.filter((h) => h.key !== '') as CompiledRequest['headers'],
    body,
    bodyMode,
    security: req.security,
  };
}

/** `/notes/{id}`: a path without scheme and host (`//host/x` is a network-path reference, not a path). */
export function isPathOnly(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//');
}

let argsAjv: Ajv2020 | undefined;

// `pattern` keywords come from third-party configs and run on callers' arguments: RE2 matches in linear
// time, so no pattern/argument pair can hold the event loop (a pattern RE2 refuses fails the load).
// ajv caches compiled patterns by their toString(), so each must name its own pattern.
const re2Engine: RegExpEngine = Object.assign((pattern: string) => {
  const re = RE2JS.compile(pattern);
  return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
}, { code: 're2js' });

// Arg schemas come from third-party configs (items/properties are free-form JSON Schema), so this
// ajv is lenient about unknown keywords but still reports a schema that cannot compile at load time.
function argValidator(schema: Record<string, unknown>, label: string, problems: Problems): ValidateFunction | undefined {
  argsAjv ??= new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: re2Engine } });
  try {
    return argsAjv.compile(schema);
  } catch (err) {
    problems.errors.push(`${label}.args: the generated inputSchema does not compile: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Freezes plain objects, arrays and Maps all the way down. Class instances (parsed templates) are
 * left alone: they are immutable by construction and may keep private caches.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return Object.freeze(value);
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
