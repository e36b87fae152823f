import type { Registry } from '../../registry/index.js';
import { hostedServers as builtInServers, type HostedServerDefinition } from '../../servers/index.js';
import { compileMcpServers } from './compile-mcp-servers.js';
import type { SubsystemCheck } from './config-check.js';

/** Compiles the MCP servers as a reload would (against these hosted server types), for its problems. */
export function mcpCheck(hostedServers: ReadonlyMap<string, HostedServerDefinition> = builtInServers): SubsystemCheck {
  return (registry: Registry, problems: string[]) => {
    compileMcpServers(registry, hostedServers, problems);
  };
}
