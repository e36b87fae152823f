import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HostedServerDefinition, HostedServerOptions, HostedServerSetting } from '../hosted-server.js';
import type { CompiledRestConfig } from './config/types.js';
import { createRestMcpServer } from './server.js';

// Config keys that hold credentials by naming convention (apiKey, token, appCode, accessToken, ...).
const SECRET_KEY = /key|token|secret|password|passwd|code|credential|auth/i;

/**
 * Wraps a compiled REST config as a `HostedServerDefinition`, so the MCP router hosts it exactly like
 * the built-in servers. Each `server.config` key becomes a setting: secret when its name looks like a
 * credential, required when the file leaves it empty (Higress configs ship `apiKey: ""`).
 */
export function restServerDefinition(config: CompiledRestConfig, version = '1.0.0'): HostedServerDefinition {
  const settings: HostedServerSetting[] = Object.entries(config.config).map(([name, value]) =>
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
    createServer: (options: HostedServerOptions): McpServer => createRestMcpServer(config, { ...options, version }),
  });
}
