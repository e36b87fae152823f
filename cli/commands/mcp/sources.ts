import { hostedServers, type HostedServerSetting } from '../../../servers/index.js';
import { UsageError } from '../../context.js';
import { duration, int, parseSize } from '../route-flags.js';
import { originOverrides, pairMap, type McpAddFlags } from './flags.js';
import { looksSecret, secretName, type PendingSecret } from './secrets.js';
import { upstreamAuthFromFlags } from './upstream-auth-flags.js';

/** A backend built from the command line: the spec, the secrets to store with it, and one line describing it. */
export interface BuiltBackend {
  readonly backend: Record<string, unknown>;
  readonly secrets: PendingSecret[];
  readonly summary: string;
  readonly warnings: string[];
}

/** A remote MCP server at `url` (Streamable HTTP, or HTTP+SSE). */
export function remoteSource(name: string, url: string, f: McpAddFlags): BuiltBackend {
  const transport = remoteTransport(url, f.transport);
  const headers: Record<string, string> = {};
  const secretHeaders: Record<string, string> = {};
  const secrets: PendingSecret[] = [];
  const entries = [
    ...[...pairMap(f.header, ':', '--header')].map(([k, v]) => [k, v, looksSecret(k)] as const),
    ...[...pairMap(f.secretHeader, ':', '--secret-header')].map(([k, v]) => [k, v, true] as const),
  ];
  for (const [key, value, secret] of entries) {
    if (!secret) headers[key] = value;
    else {
      secretHeaders[key] = secretName(name, 'header', key);
      secrets.push({ name: secretHeaders[key]!, value, label: `header ${key}` });
    }
  }
  const brokered = upstreamAuthFromFlags(name, f);
  secrets.push(...brokered.secrets);
  const backend = { kind: 'remote', url, transport, headers, secretHeaders, ...remoteTuning(f), ...brokered.fields };
  return { backend, secrets, summary: `remote MCP server ${url} (${transport})`, warnings: [] };
}

/** `--timeout`, `--max-message-bytes` and `--max-concurrent` as spec fields (the registry checks their ranges). */
function remoteTuning(f: McpAddFlags): { timeoutMs?: number; maxMessageBytes?: number; maxConcurrentRequests?: number } {
  return {
    ...(f.timeout !== undefined && { timeoutMs: duration(f.timeout, '--timeout') }),
    ...(f.maxMessageBytes !== undefined && { maxMessageBytes: parseSize(f.maxMessageBytes, '--max-message-bytes') }),
    ...(f.maxConcurrent !== undefined && { maxConcurrentRequests: int(f.maxConcurrent, '--max-concurrent') }),
  };
}

function remoteTransport(url: string, flag: string | undefined): 'streamable-http' | 'sse' {
  if (flag === undefined) return /\/sse\/?$/.test(new URL(url).pathname) ? 'sse' : 'streamable-http';
  if (flag === 'streamable' || flag === 'streamable-http' || flag === 'http') return 'streamable-http';
  if (flag === 'sse') return 'sse';
  throw new UsageError(`--transport: must be streamable or sse (got "${flag}")`);
}

/** A command line: the program and its arguments. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

/** A local stdio server: `command args…`, with its environment. */
export function stdioSource(name: string, line: CommandLine, f: McpAddFlags): BuiltBackend {
  const { command, args } = line;
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  const secrets: PendingSecret[] = [];
  const entries = [
    ...[...pairMap(f.env, '=', '--env')].map(([k, v]) => [k, v, looksSecret(k)] as const),
    ...[...pairMap(f.secretEnv, '=', '--secret-env')].map(([k, v]) => [k, v, true] as const),
  ];
  for (const [key, value, secret] of entries) {
    if (!secret) env[key] = value;
    else {
      secretEnv[key] = secretName(name, 'env', key);
      secrets.push({ name: secretEnv[key]!, value, label: `env ${key}` });
    }
  }
  const isolation = f.isolation;
  if (isolation !== undefined && isolation !== 'shared' && isolation !== 'per-session') {
    throw new UsageError(`--isolation: must be shared or per-session (got "${isolation}")`);
  }
  const backend = { kind: 'stdio', command, args: [...args], env, secretEnv, ...(f.cwd && { cwd: f.cwd }), ...(isolation && { isolation }) };
  return { backend, secrets, summary: `stdio server: ${[command, ...args].join(' ')}`, warnings: [] };
}

/** A hosted server built into agate, with its settings (secret ones stored encrypted). */
export function hostedSource(name: string, server: string, f: McpAddFlags): BuiltBackend {
  const definition = hostedServers.get(server);
  if (!definition) throw new UsageError(`--server: no hosted server named "${server}" (known: ${[...hostedServers.keys()].join(', ')})`);
  const values = settingValues(name, f, { what: `hosted server ${server}`, settings: definition.settings });
  const missing = definition.settings.filter((s) => s.required && values.settings[s.name] === undefined && values.secretSettings[s.name] === undefined);
  const warnings = missing.map((s) => `${s.name} is not set: calls fail until it is (agate mcp add ${name} --server ${server} --secret ${s.name}=… --replace)`);
  const overrides = originOverrides(f);
  const backend = { kind: 'hosted', server, settings: values.settings, secretSettings: values.secretSettings, ...(overrides && { originOverrides: overrides }) };
  return { backend, secrets: values.secrets, summary: `hosted server ${server}`, warnings };
}

/** Several servers at one endpoint; members may be added later (a missing one is served as unavailable). */
export function bundleSource(members: readonly string[], f: McpAddFlags, tools?: Record<string, string[]>): BuiltBackend {
  const prefix = f.prefix ?? (tools ? 'always' : 'conditional');
  if (!['always', 'conditional', 'never'].includes(prefix)) throw new UsageError(`--prefix: must be always, conditional or never (got "${prefix}")`);
  const backend = { kind: 'bundle', members: [...members], separator: f.separator ?? '___', prefix, ...(tools && { tools }) };
  return { backend, secrets: [], summary: `bundle of ${members.join(', ')}`, warnings: [] };
}

/** What declares the settings `--setting` and `--secret` may set: a hosted server type or a REST config. */
export interface SettingsOwner {
  /** How errors name it, e.g. `hosted server quark-search`. */
  readonly what: string;
  readonly settings: readonly Pick<HostedServerSetting, 'name' | 'secret'>[];
}

/** Setting values from `--setting` and `--secret`; a setting declared secret is stored encrypted either way. */
export function settingValues(
  name: string,
  f: McpAddFlags,
  owner: SettingsOwner,
): { settings: Record<string, string>; secretSettings: Record<string, string>; secrets: PendingSecret[] } {
  const { what, settings: known } = owner;
  const settings: Record<string, string> = {};
  const secretSettings: Record<string, string> = {};
  const secrets: PendingSecret[] = [];
  const entries = [
    ...[...pairMap(f.setting, '=', '--setting')].map(([k, v]) => [k, v, false] as const),
    ...[...pairMap(f.secret, '=', '--secret')].map(([k, v]) => [k, v, true] as const),
  ];
  for (const [key, value, forced] of entries) {
    const declared = known.find((s) => s.name === key);
    if (!declared) throw new UsageError(`--setting/--secret ${key}: ${what} has no setting "${key}" (known: ${known.map((s) => s.name).join(', ') || 'none'})`);
    if (!forced && !declared.secret) settings[key] = value;
    else {
      secretSettings[key] = secretName(name, 'setting', key);
      secrets.push({ name: secretSettings[key]!, value, label: `setting ${key}` });
    }
  }
  return { settings, secretSettings, secrets };
}
