import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from '../shared/upstream-options.js';
import type { CompiledRestConfig, CompiledTool } from './config/types.js';
import { argsForTemplate, processArgs } from './request/args.js';
import { buildRequest } from './request/build-request.js';
import { callContextFrom } from './request/call-context.js';
import { templateData, type BuildInput } from './request/render.js';
import { renderDirectResponse, renderToolResponse, textError } from './response/render-response.js';
import { baseUrlProblems } from './config/rules.js';
import { createOriginOverrides } from './upstream/origin-overrides.js';
import { createTransport, sendUpstream, type UpstreamTransport } from './upstream/send.js';
import { createEgressPolicy } from './upstream/ssrf-guard.js';
import { advertisedOutputSchema } from './structured-output.js';

/** How the gateway runs one REST config (mirrors `HostedServerOptions`, plus REST-only knobs). */
export interface RestMcpServerOptions {
  /** Values for `{{.config.*}}` (already decrypted); they override the file's `server.config`. */
  settings?: Readonly<Record<string, string>>;
  /** Canonical origin → replacement origin; keys may be `https://*.example.com`. Beats `agate.originOverrides`. */
  originOverrides?: Readonly<Record<string, string>>;
  /** Extra SSRF allow-list entries (hosts, `*.suffix`, IPs, CIDRs), added to `agate.allowHosts`. */
  allowHosts?: readonly string[];
  /** Per-call upstream timeout in ms (default 10 000); `agate.tools.<name>.timeoutMs` beats it. */
  timeoutMs?: number;
  /** Upstream response cap in bytes (default 4 MiB); `agate.tools.<name>.maxResponseBytes` beats it. */
  maxResponseBytes?: number;
  /** Version reported in `initialize` (default: the file's server.version, else 1.0.0 as Higress). */
  version?: string;
  /** Where path-only request URLs (`/notes/{id}`) go: `<baseUrl without trailing />/notes/…`. Always allowed by the SSRF guard. */
  baseUrl?: string;
}

/** Shared state of one server instance. */
interface ServerScope {
  readonly config: CompiledRestConfig;
  readonly configData: Readonly<Record<string, unknown>>;
  readonly transport: UpstreamTransport;
  readonly strict: boolean;
  readonly limits: { readonly timeoutMs: number; readonly maxResponseBytes: number; readonly followRedirects: boolean };
  /** The server's base URL without trailing slashes, for path-only request URLs. */
  readonly baseUrl?: string;
  /** Tool name → the first empty `{{.config.X}}` its request needs (fixed for the scope's settings). */
  readonly missingSettings: ReadonlyMap<string, string>;
}

/**
 * Builds an unconnected MCP server for a compiled REST config: tools/list with inputSchema and
 * annotations, tools/call building the upstream request as Higress does. Throws on invalid options
 * (bad override, bad limit) and on toolSet configs, which the MCP router composes from other servers.
 */
export function createRestMcpServer(config: CompiledRestConfig, options: RestMcpServerOptions = {}): McpServer {
  if (config.kind === 'toolSet') throw new Error(`${config.name}: a toolSet config lists other servers' tools; the MCP router composes it`);
  if (config.kind === 'mcpProxy') throw new Error(`${config.name}: an mcp-proxy config is a remote MCP server, not REST tools`);
  const scope = createScope(config, options);
  const server = new McpServer(
    { name: config.name, version: options.version ?? config.version ?? '1.0.0' },
    { capabilities: { tools: {} }, ...(config.description ? { instructions: config.description } : {}) },
  );
  const allowed = config.allowTools === undefined ? undefined : new Set(config.allowTools);
  const visible = config.tools.filter((t) => allowed === undefined || allowed.has(t.name));
  const byName = new Map(config.tools.map((t) => [t.name, t] as const));
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: visible.map(toolDefinition) }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = byName.get(request.params.name);
    if (tool === undefined) throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${request.params.name}`);
    if (allowed !== undefined && !allowed.has(tool.name)) throw new McpError(ErrorCode.InvalidParams, `Tool not allowed: ${tool.name}`);
    return callTool(scope, tool, { args: request.params.arguments, meta: request.params._meta, signal: extra.signal });
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    void scope.transport.close();
  };
  return server;
}

function createScope(config: CompiledRestConfig, options: RestMcpServerOptions): ServerScope {
  const overrides = createOriginOverrides({ ...config.agate.originOverrides, ...options.originOverrides });
  const [baseProblem] = baseUrlProblems(config, options.baseUrl);
  if (baseProblem !== undefined && options.baseUrl !== undefined) throw new Error(baseProblem);
  const baseUrl = options.baseUrl?.replace(/\/+$/, '');
  // The operator named the base URL, as an override target: the SSRF guard lets it through though private.
  const targets = baseUrl === undefined ? overrides.targets : [...overrides.targets, new URL(baseUrl).origin];
  const policy = createEgressPolicy([...config.agate.allowHosts, ...(options.allowHosts ?? [])], targets);
  const limits = {
    timeoutMs: positive('timeoutMs', options.timeoutMs ?? config.agate.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes ?? config.agate.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
    followRedirects: config.agate.followRedirects === true,
  };
  const configData = Object.freeze({ ...config.config, ...options.settings });
  const missingSettings = new Map<string, string>();
  for (const tool of config.tools) {
    const missing = tool.request && missingSetting(configData, tool, config);
    if (missing) missingSettings.set(tool.name, missing);
  }
  return {
    config,
    configData,
    missingSettings,
    transport: createTransport(overrides, policy),
    strict: config.agate.mode === 'strict',
    limits,
    baseUrl,
  };
}

function positive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${field} must be a positive integer, got ${String(value)}`);
  return value;
}

function toolDefinition(tool: CompiledTool): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.outputSchema ? { outputSchema: advertisedOutputSchema(tool.outputSchema) as Tool['outputSchema'] } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}

interface CallRequest {
  readonly args: Readonly<Record<string, unknown>> | undefined;
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  readonly signal: AbortSignal;
}

async function callTool(scope: ServerScope, tool: CompiledTool, call: CallRequest): Promise<CallToolResult> {
  const processed = processArgs(tool, call.args);
  if (!processed.ok) return textError(processed.error);
  const ctx = callContextFrom(call.meta);
  const input: BuildInput = { config: scope.config, configData: scope.configData, args: processed.args, ctx, baseUrl: scope.baseUrl };
  if (tool.request === undefined) return renderDirectResponse(tool, { data: templateData(input), ctx });
  const missing = scope.missingSettings.get(tool.name);
  if (missing) return textError(`${scope.config.name} is not configured: set "${missing}" (agate mcp add <name> <config file> --secret ${missing}=… --replace)`);
  const built = buildRequest(tool, input);
  if (!built.ok) return textError(built.error);
  const sent = await sendUpstream(built.request, scope.transport, {
    timeoutMs: tool.timeoutMs ?? scope.limits.timeoutMs,
    maxResponseBytes: tool.maxResponseBytes ?? scope.limits.maxResponseBytes,
    followRedirects: scope.limits.followRedirects,
    signal: call.signal,
  });
  if (!sent.ok) return textError(`${tool.name} call failed: ${sent.error}`);
  return renderToolResponse(tool, sent.response, { ctx, args: scope.strict ? argsForTemplate(processed.args) : undefined });
}

/**
 * The first `{{.config.X}}` the tool's request reads that has no value: Higress configs ship `apiKey: ""` and expect
 * the operator to fill it in; calling the API with an empty key would only earn a confusing upstream 401.
 */
function missingSetting(configData: Readonly<Record<string, unknown>>, tool: CompiledTool, config: CompiledRestConfig): string | undefined {
  const request = tool.request!;
  const sources = [request.url.source, request.body?.source ?? '', ...request.headers.map((h) => h.value.source)].join('\n');
  for (const [name, value] of Object.entries(configData)) {
    if ((value === '' || value === null || value === undefined) && sources.includes(`.config.${name}`)) return name;
  }
  // A key the templates read that neither server.config nor the settings supply.
  return config.configRefs.find((name) => !(name in configData) && sources.includes(`.config.${name}`));
}
