import type { Registry } from '../../registry/index.js';
import { hostedServers as builtInServers, type HostedServerDefinition } from '../../servers/index.js';
import { MemoryRateLimitStore } from '../rate-limit/index.js';
import { KeySets } from '../auth/oauth/index.js';
import { compileMcpServers } from './compile-mcp-servers.js';
import type { SubsystemCheck } from './config-check.js';

/** Compiles the MCP servers as a reload would (against these hosted server types), for its problems. */
export function mcpCheck(hostedServers: ReadonlyMap<string, HostedServerDefinition> = builtInServers): SubsystemCheck {
  return (registry: Registry, problems: string[]) => {
    // A check never spends tokens: the buckets it compiles against are thrown away with it.
    compileMcpServers(registry, { hostedServers, rateLimits: new MemoryRateLimitStore(), keySets: new KeySets() }, problems);
  };
}
