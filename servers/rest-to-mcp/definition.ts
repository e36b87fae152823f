import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HostedServerDefinition, HostedServerOptions, HostedServerSetting } from '../hosted-server.js';
import type { CompiledRestConfig } from './config/types.js';
import { createRestMcpServer } from './server.js';
import { validateRestConfig } from './config/load.js';

/** How the stored server serves the config beyond the hosted options (`backend.baseUrl`). */
export interface RestServing {
  /** Where path-only request URLs go. */
  readonly baseUrl?: string;
}

// Config keys that hold credentials by naming convention (apiKey, token, appCode, accessToken, ...).
const SECRET_KEY = /key|token|secret|password|passwd|code|credential|auth/i;

/**
 * The settings of a compiled REST config: its `server.config` keys, then each `{{.config.X}}` its request
 * templates read that server.config does not declare (Higress configs do: hackmd's accessToken).
 */
export function restSettingNames(config: CompiledRestConfig): string[] {
  return [...Object.keys(config.config), ...config.configRefs.filter((r) => !Object.hasOwn(config.config, r))];
}

/** {@link restSettingNames} of a stored REST config (`backend.config`); none for one that does not compile. */
export function storedRestSettingNames(config: unknown): string[] {
  const result = validateRestConfig(config);
  return result.ok ? restSettingNames(result.value) : [];
}

/**
 * Wraps a compiled REST config as a `HostedServerDefinition`, so the MCP router hosts it exactly like
 * the built-in servers. Each `server.config` key becomes a setting: secret when its name looks like a
 * credential, required when the file leaves it empty (Higress configs ship `apiKey: ""`); so does each
 * `{{.config.X}}` the templates read that server.config does not declare (required).
 */
export function restServerDefinition(config: CompiledRestConfig, options: RestServing = {}): HostedServerDefinition {
  const version = config.version ?? '1.0.0';
  const settings: HostedServerSetting[] = restSettingNames(config).map((name) => [name, config.config[name]] as const).map(([name, value]) =>
    Object.freeze({
      name,
      description: `value for {{.config.${name}}} in ${config.name}'s templates`,
      secret: SECRET_KEY.test(name),
      required: value === '' || value === null || value === undefined,
    }),
  );
  return Object.freeze({
    name: config.name,
    title: config.name,
    version,
    description: config.description ?? `${config.name} (REST-to-MCP, ${config.tools.length} tools)`,
    settings: Object.freeze(settings),
    createServer: (hosted: HostedServerOptions): McpServer => createRestMcpServer(config, { ...hosted, version, baseUrl: options.baseUrl }),
  });
}
