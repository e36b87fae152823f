import { RegistryError, type McpServerSpec, type Registry } from '../../../registry/index.js';
import { UsageError } from '../../context.js';
import { policyFromFlags, type McpAddFlags } from './flags.js';
import { restSource } from './rest-source.js';
import { UPSTREAM_AUTH_FLAGS } from './upstream-auth-flags.js';
import { dropOwnedSecrets, referencedSecrets, type PendingSecret } from './secrets.js';
import { bundleSource, hostedSource, remoteSource, stdioSource, type BuiltBackend } from './sources.js';

type Kind = 'hosted' | 'bundle' | 'stdio' | 'remote' | 'rest';

// Flags that only mean something for some kinds: given elsewhere they are a mistake, not something to ignore.
const FLAG_KINDS: Array<[keyof McpAddFlags, string, Kind[]]> = [
  ['transport', '--transport', ['remote']],
  ['header', '--header', ['remote']],
  ['secretHeader', '--secret-header', ['remote']],
  ['timeout', '--timeout', ['remote']],
  ['maxMessageBytes', '--max-message-bytes', ['remote']],
  ['maxConcurrent', '--max-concurrent', ['remote']],
  ...UPSTREAM_AUTH_FLAGS.map(([key, flag]) => [key, flag, ['remote']] as [keyof McpAddFlags, string, Kind[]]),
  ['env', '--env', ['stdio']],
  ['secretEnv', '--secret-env', ['stdio']],
  ['cwd', '--cwd', ['stdio']],
  ['isolation', '--isolation', ['stdio']],
  ['setting', '--setting', ['hosted', 'rest']],
  ['secret', '--secret', ['hosted', 'rest']],
  ['overrideOrigin', '--override-origin', ['hosted', 'rest']],
  ['baseUrl', '--base-url', ['rest']],
  ['allowHost', '--allow-host', ['rest']],
  ['selfServiceSetting', '--self-service-setting', ['rest']],
  ['prefix', '--prefix', ['bundle', 'rest']],
  ['separator', '--separator', ['bundle', 'rest']],
];

/** The positional arguments of `agate mcp add <name> [source] [command-args...]`. */
export interface McpAddArgs {
  readonly name: string;
  /** A URL, a config or OpenAPI file, or (with --stdio) the command. */
  readonly source: string | undefined;
  /** A stdio server's command arguments (after `--`). */
  readonly commandArgs: readonly string[];
}

/** Builds the backend `mcp add` describes: the kind follows from the flags or the source. */
export function buildBackend(args: McpAddArgs, f: McpAddFlags): BuiltBackend {
  const { name, source, commandArgs: rest } = args;
  const kind = kindOf(source, rest, f);
  for (const [key, flag, kinds] of FLAG_KINDS) {
    const value = f[key];
    if ((Array.isArray(value) ? value.length > 0 : value !== undefined) && !kinds.includes(kind)) {
      throw new UsageError(`${flag} does not apply to a ${kind} server`);
    }
  }
  switch (kind) {
    case 'hosted':
      return hostedSource(name, f.server!, f);
    case 'bundle':
      return bundleSource(f.bundle!.split(',').map((m) => m.trim()).filter(Boolean), f);
    case 'stdio':
      return stdioSource(name, { command: source!, args: rest }, f);
    case 'remote':
      return remoteSource(name, source!, f);
    case 'rest':
      return restSource(name, source!, f);
  }
}

function kindOf(source: string | undefined, rest: readonly string[], f: McpAddFlags): Kind {
  const chosen = [f.server && 'hosted', f.bundle && 'bundle', f.stdio && 'stdio'].filter(Boolean) as Kind[];
  if (chosen.length > 1) throw new UsageError('choose one of --server, --bundle and --stdio');
  if (f.type !== undefined && !['http', 'rest', 'openapi'].includes(f.type)) throw new UsageError(`--type: must be http, rest or openapi (got "${f.type}")`);
  const kind = chosen[0];
  if (kind === 'stdio') {
    if (!source) throw new UsageError('--stdio needs the command after --, e.g. agate mcp add files --stdio -- npx -y @modelcontextprotocol/server-filesystem /srv');
    return kind;
  }
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')} (a stdio server's command goes after --stdio --)`);
  if (kind) {
    if (source) throw new UsageError(`${kind === 'hosted' ? '--server' : '--bundle'} takes no source argument (got "${source}")`);
    return kind;
  }
  if (!source) throw new UsageError('a source is needed: an MCP URL, a config or OpenAPI file, --server <hosted>, --bundle <servers> or --stdio -- <command>');
  const isUrl = /^https?:\/\//i.test(source);
  if (f.type === 'http' || (f.type === undefined && isUrl)) {
    if (!isUrl) throw new UsageError(`--type http needs an http(s) URL (got "${source}")`);
    return 'remote';
  }
  if (isUrl) throw new UsageError(`--type ${f.type} reads a local file; download ${source} first`);
  return 'rest';
}

/** The spec to store for `name`. */
export function specOf(name: string, built: BuiltBackend, f: McpAddFlags): Record<string, unknown> {
  return { name, ...(f.description && { description: f.description }), backend: built.backend, ...policyFromFlags(f, name) };
}

/** A server `mcp add` is about to store: its spec, the secrets the spec refers to, and whether it may replace one. */
export interface PendingServer {
  readonly input: Record<string, unknown>;
  readonly secrets: readonly PendingSecret[];
  readonly replace: boolean;
}

/**
 * Writes the server and its secrets in one transaction. The registry's write guard (the snapshot compiler's MCP
 * check, loaded for every `agate mcp` write) compiles the backend exactly as the gateway will, secrets resolved:
 * a server the gateway would refuse is never stored.
 */
export function storeServer(registry: Registry, pending: PendingServer): McpServerSpec {
  return registry.transaction(() => {
    const spec = registry.mcpServers.validate(pending.input);
    const old = registry.mcpServers.get(spec.name);
    if (old && !pending.replace) throw new RegistryError('conflict', [`mcpServer "${spec.name}" already exists (add --replace to replace it)`]);
    for (const s of pending.secrets) registry.secrets.put(s.name, s.value, 'cli');
    if (old) {
      registry.mcpServers.update(spec, 'cli');
      dropOwnedSecrets(registry, old, referencedSecrets(spec));
    } else registry.mcpServers.create(spec, 'cli');
    return spec;
  });
}

/** Bundle members that are not configured yet (served as unavailable until they are). */
export function missingMembers(registry: Registry, spec: McpServerSpec): string[] {
  return spec.backend.kind === 'bundle' ? spec.backend.members.filter((m) => registry.mcpServers.get(m) === undefined) : [];
}
