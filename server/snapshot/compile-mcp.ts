import { createHash } from 'node:crypto';
import type { HostedServerDefinition } from '../../servers/index.js';
import type { HostedBackendSpec, McpServerSpec, Registry } from '../../registry/index.js';
import type { ConsumerDirectory } from '../auth/index.js';
import { buildPipeline, type Filter, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { mcpConsumerAuth } from '../ingress/mcp/consumer-auth.js';
import { mcpEndpoint, type BackendRecipe, type CompiledMcpServer, type McpPolicy, type McpSnapshot } from '../targets/mcp-router/index.js';

/** Long-lived pieces the MCP part is built with. */
export interface McpCompileDeps {
  /** Filters that run first (observability). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  /** Hosted server types by name (servers/index.ts). */
  readonly hostedServers: ReadonlyMap<string, HostedServerDefinition>;
}

/** Compiles MCP servers and their policies; appends a message for every bad row. */
export function compileMcp(registry: Registry, deps: McpCompileDeps, consumers: ConsumerDirectory, problems: string[]): McpSnapshot {
  const { values, problems: rowProblems } = registry.mcpServers.listChecked();
  problems.push(...rowProblems);
  const specs = new Map(values.filter((s) => s.enabled).map((s) => [s.name, s]));
  const servers = new Map<string, CompiledMcpServer>();
  for (const spec of specs.values()) {
    const compiled = compileServer(registry, spec, specs, deps, problems);
    if (compiled) servers.set(spec.name, compiled);
  }
  return Object.freeze({
    servers,
    handle: buildPipeline([...deps.leadingFilters, mcpConsumerAuth(consumers), mcpEndpoint(servers)], deps.targets),
    serverCount: servers.size,
  });
}

function compileServer(
  registry: Registry,
  spec: McpServerSpec,
  specs: ReadonlyMap<string, McpServerSpec>,
  deps: McpCompileDeps,
  problems: string[],
): CompiledMcpServer | undefined {
  const where = `mcpServer "${spec.name}"`;
  const backend = spec.backend;
  let recipe: BackendRecipe | undefined;
  let backendHash = '';
  if (backend.kind === 'bundle') {
    // A member that is missing or disabled is served as unavailable (its tools withdrawn), not a config error:
    // removing a server must not be blocked by the bundles that list it.
    const nested = backend.members.filter((m) => m === spec.name || specs.get(m)?.backend.kind === 'bundle');
    if (nested.length) problems.push(`${where}: backend.members: a bundle cannot contain a bundle (${nested.join(', ')})`);
  } else if (backend.kind === 'hosted') {
    const hosted = compileHosted(registry, backend, deps.hostedServers, where, problems);
    if (!hosted) return undefined;
    recipe = hosted.recipe;
    backendHash = hosted.hash;
  } else {
    recipe = Object.freeze({ kind: backend.kind, spec: backend });
    backendHash = sha256(JSON.stringify(backend));
  }
  const policy = compilePolicy(spec);
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    backend: recipe,
    backendHash,
    bundle: backend.kind === 'bundle' ? Object.freeze({ members: backend.members, separator: backend.separator, prefix: backend.prefix }) : undefined,
    policy,
    configHash: sha256(JSON.stringify({ spec, backendHash })),
  });
}

function compileHosted(
  registry: Registry,
  backend: HostedBackendSpec,
  hostedServers: ReadonlyMap<string, HostedServerDefinition>,
  where: string,
  problems: string[],
): { recipe: BackendRecipe; hash: string } | undefined {
  const definition = hostedServers.get(backend.server);
  if (!definition) {
    problems.push(`${where}: backend.server: no hosted server named "${backend.server}" (known: ${[...hostedServers.keys()].join(', ')})`);
    return undefined;
  }
  const settings: Record<string, string> = { ...backend.settings };
  for (const [setting, secretName] of Object.entries(backend.secretSettings)) {
    const value = registry.secrets.get(secretName);
    if (value === undefined) problems.push(`${where}: backend.secretSettings.${setting}: no secret named "${secretName}"`);
    else settings[setting] = value;
  }
  const options = Object.freeze({
    settings: Object.freeze(settings),
    originOverrides: backend.originOverrides,
    timeoutMs: backend.timeoutMs,
    maxResponseBytes: backend.maxResponseBytes,
  });
  try {
    // Building one server checks the options now, so a bad value rejects the config instead of every session.
    definition.createServer(options);
  } catch (err) {
    problems.push(`${where}: backend: ${(err as Error).message}`);
    return undefined;
  }
  // Secret values are part of the hash (a new key must reach the backend) but never stored in it readably.
  return { recipe: Object.freeze({ kind: 'hosted', definition, options }), hash: sha256(JSON.stringify({ backend, settings })) };
}

function compilePolicy(spec: McpServerSpec): McpPolicy {
  return Object.freeze({
    consumers: spec.access?.consumers,
    tools: spec.access?.tools ?? {},
    allowTools: spec.access?.allowTools ? new Set(spec.access.allowTools) : undefined,
    rateLimit: spec.rateLimit ?? {},
  });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
