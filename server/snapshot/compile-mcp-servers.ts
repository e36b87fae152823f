import type { HostedServerDefinition } from '../../servers/index.js';
import type { BundleBackendSpec, McpLimitSpec, McpServerSpec, Registry } from '../../registry/index.js';
import { admitted, buildChain, type Filter } from '../pipeline/index.js';
import { consumerAllowList } from '../filters/auth.js';
import { bucketId, bucketLimit } from '../filters/rate-limit.js';
import { bucketRule, type RateLimitStore } from '../rate-limit/index.js';
import { toolGate } from '../filters/tool-gate.js';
import type { BackendRecipe, BundleConfig, CompiledMcpServer, McpMessageContext, McpPolicy } from '../targets/mcp-router/index.js';
import { compileBackend, sha256 } from './compile-mcp-backends.js';

/** What MCP servers are compiled against: hosted server types, and the store their tool-call buckets live in. */
export interface McpServersDeps {
  /** Hosted server types by name (servers/index.ts). */
  readonly hostedServers: ReadonlyMap<string, HostedServerDefinition>;
  /** The gateway's one quota store (HTTP routes and LLM limits spend it too): MCP tool-call limits live there. */
  readonly rateLimits: RateLimitStore;
}

/**
 * Compiles the enabled MCP servers with their policies; a bad server is held back (left out, a message in
 * `problems`). Kept apart from the endpoint (compile-mcp.ts) so the write-time check does not load the MCP router.
 */
export function compileMcpServers(registry: Registry, deps: McpServersDeps, problems: string[]): Map<string, CompiledMcpServer> {
  const { values, problems: rowProblems } = registry.mcpServers.listChecked();
  problems.push(...rowProblems);
  const specs = new Map(values.filter((s) => s.enabled).map((s) => [s.name, s]));
  const servers = new Map<string, CompiledMcpServer>();
  // Members first: a bundle holds its members' compiled policies.
  const ordered = [...specs.values()].sort((a, b) => Number(a.backend.kind === 'bundle') - Number(b.backend.kind === 'bundle'));
  for (const spec of ordered) {
    const compiled = compileServer({ registry, specs, servers, deps, problems }, spec);
    if (compiled) servers.set(spec.name, compiled);
  }
  return servers;
}

/** What compiling one server reads: the registry, every enabled spec, the servers compiled so far. */
interface ServerCompile {
  readonly registry: Registry;
  readonly specs: ReadonlyMap<string, McpServerSpec>;
  readonly servers: ReadonlyMap<string, CompiledMcpServer>;
  readonly deps: McpServersDeps;
  readonly problems: string[];
}

function compileServer(c: ServerCompile, spec: McpServerSpec): CompiledMcpServer | undefined {
  const where = `mcpServer "${spec.name}"`;
  const backend = spec.backend;
  let recipe: BackendRecipe | undefined;
  let backendHash = '';
  if (backend.kind === 'bundle') {
    if (!checkBundle(c, spec.name, backend)) return undefined;
  } else {
    const compiled = compileBackend({ registry: c.registry, hostedServers: c.deps.hostedServers, server: spec.name, where, problems: c.problems }, backend);
    if (!compiled) return undefined;
    recipe = compiled.recipe;
    backendHash = compiled.hash;
  }
  // A bundle's sessions are told their tools may have changed when a member's policy changes too.
  const memberPolicies = backend.kind === 'bundle' ? backend.members.map((m) => [m, c.specs.get(m)?.access, c.specs.get(m)?.rateLimit]) : [];
  return Object.freeze({
    name: spec.name,
    description: spec.description,
    backend: recipe,
    backendHash,
    bundle: backend.kind === 'bundle' ? bundleConfig(backend, c.servers) : undefined,
    policy: compilePolicy(spec, c.deps.rateLimits),
    configHash: sha256(JSON.stringify({ spec, backendHash, memberPolicies })),
  });
}

// A member that is missing or disabled is served as unavailable (its tools withdrawn), not a config error:
// removing a server must not be blocked by the bundles that list it.
function checkBundle(c: ServerCompile, name: string, backend: BundleBackendSpec): boolean {
  const { specs, problems } = c;
  const found = problems.length;
  const where = `mcpServer "${name}"`;
  const nested = backend.members.filter((m) => m === name || specs.get(m)?.backend.kind === 'bundle');
  if (nested.length) problems.push(`${where}: backend.members: a bundle cannot contain a bundle (${nested.join(', ')})`);
  for (const member of Object.keys(backend.tools ?? {})) {
    if (!backend.members.includes(member)) problems.push(`${where}: backend.tools.${member}: not one of backend.members`);
  }
  return problems.length === found;
}

function bundleConfig(backend: BundleBackendSpec, servers: ReadonlyMap<string, CompiledMcpServer>): BundleConfig {
  const policies = new Map<string, McpPolicy>();
  for (const m of backend.members) {
    const member = servers.get(m);
    if (member && !member.bundle) policies.set(m, member.policy);
  }
  return Object.freeze({ members: backend.members, separator: backend.separator, prefix: backend.prefix, tools: backend.tools, policies });
}

/**
 * A server's policy and its per-message chains, built from the same `auth` (consumer allow list) and
 * `rate-limit` (token buckets in the gateway's store) filters as HTTP and LLM traffic. Buckets are keyed by
 * server name, so every endpoint that reaches this server spends the same ones.
 */
function compilePolicy(spec: McpServerSpec, store: RateLimitStore): McpPolicy {
  const consumers = spec.access?.consumers;
  const lists = { tools: spec.access?.tools ?? {}, allowTools: spec.access?.allowTools ? new Set(spec.access.allowTools) : undefined };
  const gate = consumers && consumerAllowList(consumers, `MCP server ${spec.name}`);
  const { perConsumer, perTool } = spec.rateLimit ?? {};
  return Object.freeze({
    consumers,
    ...lists,
    admit: buildChain('mcp-admit', { 'consumer-allow-list': gate, admitted }),
    callTool: buildChain('mcp-tool-call', {
      'consumer-allow-list': gate,
      'tool-gate': toolGate(lists),
      'rate-limit-per-consumer':
        perConsumer && toolCallLimit({ server: spec.name, which: 'per consumer', limit: perConsumer, bucketOf: (ctx) => bucketId(ctx, 'consumer') }, store),
      'rate-limit-per-tool': perTool && toolCallLimit({ server: spec.name, which: 'per tool', limit: perTool, bucketOf: (ctx) => `t:${ctx.mcpMessage.tool}` }, store),
      admitted,
    }),
  });
}

/** One tool-call limit of a server. */
interface ToolCallLimit {
  /** The server's name (its buckets' scope). */
  readonly server: string;
  /** Which of its limits this is ('per consumer', 'per tool'), in the scope and the refusal. */
  readonly which: string;
  readonly limit: McpLimitSpec;
  /** The bucket a message spends. */
  readonly bucketOf: (ctx: McpMessageContext) => string;
}

/** A tool-call limit as a `rate-limit` filter: `requests` per window, refilled evenly, a bucket per `bucketOf`. */
function toolCallLimit(l: ToolCallLimit, store: RateLimitStore): Filter {
  const { server, which, limit, bucketOf } = l;
  const rule = bucketRule(limit);
  const subjectOf = (ctx: McpMessageContext) => `tool ${ctx.mcpMessage.calledAs} of MCP server ${server} (${which})`;
  // A quota: refused while the shared store is away, unless the limit says otherwise.
  const onStoreError = limit.onStoreError ?? 'closed';
  return bucketLimit<McpMessageContext>({ rule, bucketOf, subjectOf, onStoreError }, { store, scope: `mcp\u0000${server}\u0000${which}` });
}
