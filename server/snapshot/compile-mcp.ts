import type { HostedServerDefinition } from '../../servers/index.js';
import type { BundleBackendSpec, McpServerSpec, Registry } from '../../registry/index.js';
import type { ConsumerDirectory } from '../auth/index.js';
import { buildPipeline, type Filter, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { auth, CLIENT_KEY_AUTH } from '../filters/auth.js';
import { mcpEndpoint, type BackendRecipe, type BundleConfig, type CompiledMcpServer, type McpPolicy, type McpSnapshot } from '../targets/mcp-router/index.js';
import { compileBackend, sha256 } from './compile-mcp-backends.js';

/** Long-lived pieces the MCP part is built with. */
export interface McpCompileDeps {
  /** Filters that run first (observability). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  /** Hosted server types by name (servers/index.ts). */
  readonly hostedServers: ReadonlyMap<string, HostedServerDefinition>;
}

/** Compiles MCP servers and their policies; a bad server is held back (left out, a message in `problems`). */
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
    handle: buildPipeline([...deps.leadingFilters, auth(CLIENT_KEY_AUTH, { directory: consumers }, 'when-no-credential'), mcpEndpoint(servers)], deps.targets),
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
    if (!checkBundle(spec.name, backend, specs, problems)) return undefined;
  } else {
    const compiled = compileBackend({ registry, hostedServers: deps.hostedServers, where, problems }, backend);
    if (!compiled) return undefined;
    recipe = compiled.recipe;
    backendHash = compiled.hash;
  }
  const policy = compilePolicy(spec);
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    backend: recipe,
    backendHash,
    bundle: backend.kind === 'bundle' ? bundleConfig(backend) : undefined,
    policy,
    configHash: sha256(JSON.stringify({ spec, backendHash })),
  });
}

// A member that is missing or disabled is served as unavailable (its tools withdrawn), not a config error:
// removing a server must not be blocked by the bundles that list it.
function checkBundle(name: string, backend: BundleBackendSpec, specs: ReadonlyMap<string, McpServerSpec>, problems: string[]): boolean {
  const found = problems.length;
  const where = `mcpServer "${name}"`;
  const nested = backend.members.filter((m) => m === name || specs.get(m)?.backend.kind === 'bundle');
  if (nested.length) problems.push(`${where}: backend.members: a bundle cannot contain a bundle (${nested.join(', ')})`);
  for (const member of Object.keys(backend.tools ?? {})) {
    if (!backend.members.includes(member)) problems.push(`${where}: backend.tools.${member}: not one of backend.members`);
  }
  return problems.length === found;
}

function bundleConfig(backend: BundleBackendSpec): BundleConfig {
  return Object.freeze({ members: backend.members, separator: backend.separator, prefix: backend.prefix, tools: backend.tools });
}

function compilePolicy(spec: McpServerSpec): McpPolicy {
  return Object.freeze({
    consumers: spec.access?.consumers,
    tools: spec.access?.tools ?? {},
    allowTools: spec.access?.allowTools ? new Set(spec.access.allowTools) : undefined,
    rateLimit: spec.rateLimit ?? {},
  });
}
