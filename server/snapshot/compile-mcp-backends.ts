import { createHash } from 'node:crypto';
import type { HostedServerDefinition, HostedServerOptions } from '../../servers/index.js';
import { baseUrlProblems, passthroughHeaderNames, restServerDefinition, restSettingNames, validateRestConfig } from '../../servers/rest-to-mcp/index.js';
import { consumerSettingsFor, openMcpServer, type HostedBackendSpec, type McpBackendSpec, type Registry, type RemoteBackendSpec, type RestBackendSpec } from '../../registry/index.js';
import type { BackendRecipe } from '../targets/mcp-router/index.js';
import type { TokenEndpoint } from '../auth/upstream-tokens.js';
import type { ConsentEndpoint } from '../auth/vault/index.js';

/** A backend ready for the router's pool, and the hash that decides when it is rebuilt. */
export interface CompiledBackend {
  readonly recipe: BackendRecipe;
  /** Covers resolved secret values (a new key must reach the backend) without storing them readably. */
  readonly hash: string;
}

/** Where problems are reported and what the compiler reads from. */
export interface BackendCompileScope {
  readonly registry: Registry;
  readonly hostedServers: ReadonlyMap<string, HostedServerDefinition>;
  /** The server's name: sealed header and env values are bound to it. */
  readonly server: string;
  /** `mcpServer "name"`, the prefix of every problem. */
  readonly where: string;
  readonly problems: string[];
}

/**
 * Compiles any non-bundle backend: hosted servers and REST configs become in-process server definitions, remote
 * and stdio specs get their secret headers and environment decrypted. Returns undefined after recording problems.
 */
export function compileBackend(scope: BackendCompileScope, backend: Exclude<McpBackendSpec, { kind: 'bundle' }>): CompiledBackend | undefined {
  switch (backend.kind) {
    case 'hosted':
      return compileHosted(scope, backend);
    case 'rest':
      return compileRest(scope, backend);
    case 'remote': {
      const opened = openSealed(scope, backend);
      if (!opened) return undefined;
      const secrets = resolveSecretRefs(scope, backend.secretHeaders ?? {}, 'backend.secretHeaders');
      if (!secrets) return undefined;
      const spec = Object.freeze({ ...opened, headers: Object.freeze({ ...opened.headers, ...secrets }) });
      const upstreamAuth = compileUpstreamAuth(scope, backend);
      if (upstreamAuth === null) return undefined;
      return { recipe: Object.freeze({ kind: 'remote', spec, upstreamAuth }), hash: sha256(JSON.stringify({ spec, upstreamAuth })) };
    }
    case 'stdio': {
      const opened = openSealed(scope, backend);
      if (!opened) return undefined;
      const secrets = resolveSecretRefs(scope, backend.secretEnv ?? {}, 'backend.secretEnv');
      if (!secrets) return undefined;
      const spec = Object.freeze({ ...opened, env: Object.freeze({ ...opened.env, ...secrets }) });
      return { recipe: Object.freeze({ kind: 'stdio', spec }), hash: sha256(JSON.stringify(spec)) };
    }
  }
}

/**
 * A remote server's `upstreamAuth` with its client secret decrypted; null after recording a problem. Passthrough
 * and a brokered token both fill Authorization: one server has one of them.
 */
function compileUpstreamAuth(scope: BackendCompileScope, backend: RemoteBackendSpec): TokenEndpoint | ConsentEndpoint | undefined | null {
  const auth = backend.upstreamAuth;
  if (!auth) return undefined;
  if (backend.passthroughAuthHeader) {
    scope.problems.push(`${scope.where}: backend.upstreamAuth: cannot be combined with passthroughAuthHeader (both set the upstream's Authorization)`);
    return null;
  }
  // A public client (authorization_code without a secret) authenticates with PKCE alone.
  if (auth.clientSecret === undefined) return auth.type === 'authorization_code' ? Object.freeze({ ...auth, type: auth.type }) : null;
  const secret = resolveSecretRefs(scope, { clientSecret: auth.clientSecret }, 'backend.upstreamAuth');
  if (!secret) return null;
  if (auth.type === 'authorization_code') return Object.freeze({ ...auth, type: auth.type, clientSecret: secret.clientSecret! });
  return Object.freeze({ ...auth, type: auth.type, tokenUrl: auth.tokenUrl!, clientSecret: secret.clientSecret! });
}

/** `backend` with its values sealed in place decrypted; undefined after recording a problem when one cannot be. */
function openSealed<B extends McpBackendSpec>(scope: BackendCompileScope, backend: B): B | undefined {
  try {
    return openMcpServer({ name: scope.server, backend, enabled: true }, () => scope.registry.secretBox()).backend as B;
  } catch (err) {
    scope.problems.push(`${scope.where}: backend: ${(err as Error).message}`);
    return undefined;
  }
}

function compileHosted(scope: BackendCompileScope, backend: HostedBackendSpec): CompiledBackend | undefined {
  const definition = scope.hostedServers.get(backend.server);
  if (!definition) {
    const known = [...scope.hostedServers.keys()].join(', ');
    scope.problems.push(`${scope.where}: backend.server: no hosted server named "${backend.server}" (known: ${known})`);
    return undefined;
  }
  const secrets = resolveSecretRefs(scope, backend.secretSettings, 'backend.secretSettings');
  if (!secrets) return undefined;
  const settings = { ...backend.settings, ...secrets };
  const options = Object.freeze({
    settings: Object.freeze(settings),
    originOverrides: backend.originOverrides,
    timeoutMs: backend.timeoutMs,
    maxResponseBytes: backend.maxResponseBytes,
  });
  if (!checkOptions(scope, definition, options)) return undefined;
  return { recipe: Object.freeze({ kind: 'hosted', definition, options }), hash: sha256(JSON.stringify({ backend, settings })) };
}

/** A REST config is compiled here, once per snapshot: a config that does not compile rejects the snapshot. */
function compileRest(scope: BackendCompileScope, backend: RestBackendSpec): CompiledBackend | undefined {
  const result = validateRestConfig(backend.config);
  if (!result.ok) {
    for (const e of result.errors) scope.problems.push(`${scope.where}: backend.config${e.startsWith('(root)') ? e.slice('(root)'.length) : `.${e}`}`);
    return undefined;
  }
  if (result.value.kind === 'toolSet') {
    scope.problems.push(`${scope.where}: backend.config.toolSet: a toolSet is served as a bundle (agate mcp add <name> <file> converts it)`);
    return undefined;
  }
  if (result.value.kind === 'mcpProxy') {
    scope.problems.push(`${scope.where}: backend.config.server.type: an mcp-proxy config is a remote MCP server (agate mcp add <name> <file> converts it)`);
    return undefined;
  }
  const baseProblems = baseUrlProblems(result.value, backend.baseUrl);
  if (baseProblems.length > 0) {
    for (const p of baseProblems) scope.problems.push(`${scope.where}: ${p.startsWith('baseUrl') ? `backend.${p}` : `backend.config.${p}`}`);
    return undefined;
  }
  const declared = restSettingNames(result.value);
  const undeclared = (backend.selfServiceSettings ?? []).filter((k) => !declared.includes(k));
  if (undeclared.length > 0) {
    scope.problems.push(`${scope.where}: backend.selfServiceSettings: the config has no setting ${undeclared.map((k) => `"${k}"`).join(', ')} (it has: ${declared.join(', ') || 'none'})`);
    return undefined;
  }
  const secrets = resolveSecretRefs(scope, backend.secretSettings ?? {}, 'backend.secretSettings');
  if (!secrets) return undefined;
  const settings = { ...backend.settings, ...secrets };
  const definition = restServerDefinition(result.value, { baseUrl: backend.baseUrl });
  const options = Object.freeze({ settings: Object.freeze(settings), originOverrides: backend.originOverrides });
  if (!checkOptions(scope, definition, options)) return undefined;
  const passthroughHeaders = Object.freeze(passthroughHeaderNames(result.value));
  const problems: string[] = [];
  const consumerSettings = consumerSettingsFor(scope.registry, scope.server, problems);
  if (problems.length) {
    scope.problems.push(...problems.map((p) => `${scope.where}: ${p}`));
    return undefined;
  }
  const recipe = Object.freeze({ kind: 'rest' as const, definition, options, passthroughHeaders, consumerSettings });
  return { recipe, hash: sha256(JSON.stringify({ backend, settings, consumers: [...consumerSettings] })) };
}

// Building one server checks the options now, so a bad value rejects the config instead of every session.
function checkOptions(scope: BackendCompileScope, definition: HostedServerDefinition, options: HostedServerOptions): boolean {
  try {
    definition.createServer(options);
    return true;
  } catch (err) {
    scope.problems.push(`${scope.where}: backend: ${(err as Error).message}`);
    return false;
  }
}

/** Decrypts `name → secret name` references; a missing or unreadable secret is a problem naming the field. */
export function resolveSecretRefs(scope: Pick<BackendCompileScope, 'registry' | 'where' | 'problems'>, refs: Readonly<Record<string, string>>, field: string): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  let ok = true;
  for (const [key, secretName] of Object.entries(refs)) {
    let value: string | undefined;
    try {
      value = scope.registry.secrets.get(secretName);
    } catch (err) {
      scope.problems.push(`${scope.where}: ${field}.${key}: ${(err as Error).message}`);
      ok = false;
      continue;
    }
    if (value === undefined) {
      scope.problems.push(`${scope.where}: ${field}.${key}: no secret named "${secretName}"`);
      ok = false;
    } else values[key] = value;
  }
  return ok ? values : undefined;
}

/** Hex SHA-256 of `text`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
