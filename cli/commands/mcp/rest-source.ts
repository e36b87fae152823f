import { readFileSync } from 'node:fs';
import {
  baseUrlProblems,
  openApiToRestConfig,
  parseOpenApiText,
  parseRestConfigText,
  restServerDefinition,
  validateRestConfig,
  type CompiledRestConfig,
} from '../../../servers/rest-to-mcp/index.js';
import { UsageError } from '../../context.js';
import { originOverrides, type McpAddFlags } from './flags.js';
import { secretName, type PendingSecret } from './secrets.js';
import { bundleSource, remoteSource, settingValues, type BuiltBackend } from './sources.js';

/** Reads a file for a command, as a usage error naming it when it cannot be read. */
export function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Whether a config file's text is an OpenAPI document rather than a REST-to-MCP config. */
export function isOpenApiText(text: string): boolean {
  return /^\s*["']?(openapi|swagger)["']?\s*:/m.test(text);
}

/**
 * A REST-to-MCP config file (YAML or JSON; a Higress `toolSet` becomes a bundle with per-member tool lists), or
 * with `--type openapi` (or an `openapi:` document) an OpenAPI spec converted to one. Validation errors are usage
 * errors (exit 2) naming the file, tool and field.
 */
export function restSource(name: string, file: string, f: McpAddFlags): BuiltBackend {
  const text = readSource(file);
  let result;
  let from = file;
  if (f.type === 'openapi' || (f.type === undefined && isOpenApiText(text))) {
    let doc: unknown;
    try {
      doc = parseOpenApiText(text);
    } catch (err) {
      throw new UsageError(`${file}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
    }
    const converted = openApiToRestConfig(doc, { baseUrl: f.baseUrl, serverName: name });
    if (!converted.ok) throw new UsageError(`${file}: ${converted.errors.join('; ')}`);
    result = validateRestConfig(converted.value);
    from = `OpenAPI ${file}`;
  } else result = parseRestConfigText(text, file);
  if (!result.ok) throw new UsageError(`invalid REST-to-MCP config:\n  ${result.errors.join('\n  ')}`);
  const config = result.value;
  if (config.kind === 'toolSet') return toolSetBundle(config, f);
  if (config.kind === 'mcpProxy') return mcpProxyRemote(name, config, f);
  // An OpenAPI spec's base URL is already in its converted URLs; a REST config's serves its path-only URLs.
  const built = restServerBackend(name, config, from === file ? f : { ...f, baseUrl: undefined });
  return { ...built, summary: `REST-to-MCP server, ${config.tools.length} tools from ${from}`, warnings: [...config.warnings] };
}

function restServerBackend(name: string, config: CompiledRestConfig, f: McpAddFlags): Omit<BuiltBackend, 'summary' | 'warnings'> {
  const baseUrl = f.baseUrl;
  const baseProblems = baseUrlProblems(config, baseUrl);
  if (baseProblems.length > 0) throw new UsageError(`${baseProblems.map((p) => (p.startsWith('baseUrl') ? `--base-url: ${p.slice('baseUrl: '.length)}` : p)).join('\n  ')}`);
  const known = restServerDefinition(config).settings;
  const values = settingValues(name, f, { what: `config ${config.name}`, settings: known });
  const source = structuredClone(config.source) as { server?: { config?: Record<string, unknown> }; agate?: { allowHosts?: string[] } };
  if (f.allowHost.length > 0) source.agate = { ...source.agate, allowHosts: [...new Set([...(source.agate?.allowHosts ?? []), ...f.allowHost])] };
  const checked = f.allowHost.length > 0 ? validateRestConfig(source) : undefined;
  if (checked && !checked.ok) throw new UsageError(`--allow-host: ${checked.errors.join('; ')}`);
  const selfService = selfServiceSettings(known.map((s) => s.name), f.selfServiceSetting);
  const taken = takeFileSecrets(source.server?.config, known);
  const inFile = movedSecrets(name, taken, values.secretSettings);
  const overrides = originOverrides(f);
  const backend = {
    kind: 'rest',
    config: source,
    settings: values.settings,
    secretSettings: { ...inFile.refs, ...values.secretSettings },
    ...(overrides && { originOverrides: overrides }),
    ...(baseUrl !== undefined && { baseUrl }),
    ...(selfService.length > 0 && { selfServiceSettings: selfService }),
  };
  return { backend, secrets: [...inFile.secrets, ...values.secrets] };
}

/** The `--self-service-setting` names, each a setting of the config (declared in server.config or read by its templates). */
function selfServiceSettings(declared: readonly string[], names: readonly string[]): string[] {
  const unknown = names.filter((n) => !declared.includes(n));
  if (unknown.length) throw new UsageError(`--self-service-setting: the config has no setting ${unknown.map((n) => `"${n}"`).join(', ')} (it has: ${declared.join(', ') || 'none'})`);
  return [...new Set(names)];
}

/**
 * Credentials written into the file's `server.config` (Higress files ship `apiKey: ""`, but a filled-in copy has
 * the key) are blanked in the stored config, so no key sits in plain text; returns them by setting name.
 */
function takeFileSecrets(config: Record<string, unknown> | undefined, known: readonly { name: string; secret: boolean }[]): Map<string, string> {
  const taken = new Map<string, string>();
  for (const setting of known) {
    const value = config?.[setting.name];
    if (!setting.secret || typeof value !== 'string' || value === '') continue;
    config![setting.name] = '';
    taken.set(setting.name, value);
  }
  return taken;
}

/** The file's credentials as encrypted secrets, except those `--secret` sets anyway (`fromFlags`). */
function movedSecrets(name: string, taken: ReadonlyMap<string, string>, fromFlags: Record<string, string>): { refs: Record<string, string>; secrets: PendingSecret[] } {
  const refs: Record<string, string> = {};
  const secrets: PendingSecret[] = [];
  for (const [setting, value] of taken) {
    if (fromFlags[setting] !== undefined) continue;
    refs[setting] = secretName(name, 'setting', setting);
    secrets.push({ name: refs[setting]!, value, label: `server.config.${setting} (moved out of the file)` });
  }
  return { refs, secrets };
}

// Higress composes a toolSet from other routes' servers and always names tools <server>___<tool>.
function toolSetBundle(config: CompiledRestConfig, f: McpAddFlags): BuiltBackend {
  const tools: Record<string, string[]> = {};
  for (const entry of config.toolSet?.serverTools ?? []) tools[entry.serverName] = [...new Set([...(tools[entry.serverName] ?? []), ...entry.tools])];
  const built = bundleSource(Object.keys(tools), f, tools);
  return { ...built, summary: `toolSet ${config.name}: ${built.summary}` };
}

// A Higress mcp-proxy server is what agate calls a remote MCP server: its upstream credential becomes a header
// (stored encrypted, as --secret-header would), its timeout the remote timeout. Flags given on the command line win.
function mcpProxyRemote(name: string, config: CompiledRestConfig, f: McpAddFlags): BuiltBackend {
  const proxy = config.proxy!;
  const restOnly: Array<[string, unknown]> = [['--setting', f.setting.length], ['--secret', f.secret.length], ['--base-url', f.baseUrl], ['--allow-host', f.allowHost.length], ['--self-service-setting', f.selfServiceSetting.length], ['--override-origin', f.overrideOrigin.length], ['--prefix', f.prefix], ['--separator', f.separator]];
  const given = restOnly.find(([, v]) => v !== undefined && v !== 0);
  if (given) throw new UsageError(`${given[0]} does not apply to an mcp-proxy config (it is added as a remote MCP server)`);
  const secretHeader = [...Object.entries(proxy.headers).map(([k, v]) => `${k}: ${v}`), ...f.secretHeader];
  const built = remoteSource(name, proxy.url, { ...f, secretHeader, transport: f.transport ?? proxy.transport, timeout: f.timeout ?? `${proxy.timeoutMs}ms` });
  const backend = { ...built.backend, ...(proxy.passthroughAuthHeader && { passthroughAuthHeader: true }) };
  return { ...built, backend, summary: `Higress mcp-proxy ${config.name}: ${built.summary}`, warnings: [...config.warnings] };
}
