export { McpRouter, type McpRouterOptions, type ResolvedMcpRouterOptions, type LiveSession } from './router.js';
export { RouterSession, SUPPORTED_PROTOCOL_VERSIONS } from './router-session.js';
export { createMcpRouterTarget } from './target.js';
export { mcpEndpoint, parseMcpPath, type McpGatewayContext, type McpRequestState, type McpEndpointKind } from './endpoint-filter.js';
export type { McpBackend, BackendFactory } from './backend.js';
export type { BackendRecipe, BundleConfig, CompiledMcpServer, McpSnapshot } from './types.js';
export type { McpPolicy } from './policy.js';
export { exposedName, namingRule, type NamingRule } from './naming.js';

/** The URLs a client uses for MCP server `name` on a gateway at `baseUrl` (for `agate mcp` output). */
export function mcpServerUrls(baseUrl: string, name: string): { streamableHttp: string; sse: string; messages: string } {
  const base = baseUrl.replace(/\/+$/, '');
  return { streamableHttp: `${base}/mcp/${name}`, sse: `${base}/mcp/${name}/sse`, messages: `${base}/mcp/${name}/messages` };
}
