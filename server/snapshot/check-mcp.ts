import type { Registry } from '../../registry/index.js';
import { hostedServers as builtInServers, type HostedServerDefinition } from '../../servers/index.js';
import { ConsumerDirectory } from '../auth/index.js';
import { MemoryRateLimitStore } from '../rate-limit/index.js';
import { compileMcp } from './compile-mcp.js';
import type { SubsystemCheck } from './config-check.js';

/** Compiles the MCP servers as a reload would (against these hosted server types), for its problems. */
export function mcpCheck(hostedServers: ReadonlyMap<string, HostedServerDefinition> = builtInServers): SubsystemCheck {
  return (registry: Registry, problems: string[]) => {
    // Consumers are the HTTP part's to check; the MCP compile only needs a directory to build its auth filter.
    const consumers = ConsumerDirectory.compile({ consumers: [], keyHashes: [], secret: () => undefined }, problems);
    // A check never spends tokens: the buckets it compiles against are thrown away with it.
    const rateLimits = new MemoryRateLimitStore();
    compileMcp(registry, { leadingFilters: [], targets: new Map(), hostedServers, rateLimits }, consumers, problems);
  };
}
