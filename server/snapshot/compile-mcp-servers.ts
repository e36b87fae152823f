import type { HostedServerDefinition } from '../../servers/index.js';
import type { BundleBackendSpec, McpServerSpec, Registry } from '../../registry/index.js';
import type { BackendRecipe, BundleConfig, CompiledMcpServer, McpPolicy } from '../targets/mcp-router/index.js';
import { compileBackend, sha256 } from './compile-mcp-backends.js';

/**
 * Compiles the enabled MCP servers; a bad server is held back (left out, a message in `problems`). Kept apart from
 * the endpoint (compile-mcp.ts) so the write-time check does not load the MCP router.
 */
export function compileMcpServers(registry: Registry, hostedServers: ReadonlyMap<string, HostedServerDefinition>, problems: string[]): Map<string, CompiledMcpServer> {
  const { values, problems: rowProblems } = registry.mcpServers.listChecked();
  problems.push(...rowProblems);
  const specs = new Map(values.filter((s) => s.enabled).map((s) => [s.name, s]));
  const servers = new Map<string, CompiledMcpServer>();
  for (const spec of specs.values()) {
    const compiled = compileServer(registry, spec, specs, hostedServers, problems);
    if (compiled) servers.set(spec.name, compiled);
  }
  return servers;
}

function compileServer(
  registry: Registry,
  spec: McpServerSpec,
  specs: ReadonlyMap<string, McpServerSpec>,
  hostedServers: ReadonlyMap<string, HostedServerDefinition>,
  problems: string[],
): CompiledMcpServer | undefined {
  const where = `mcpServer "${spec.name}"`;
  const backend = spec.backend;
  let recipe: BackendRecipe | undefined;
  let backendHash = '';
  if (backend.kind === 'bundle') {
    if (!checkBundle(spec.name, backend, specs, problems)) return undefined;
  } else {
    const compiled = compileBackend({ registry, hostedServers, where, problems }, backend);
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
