export { McpRouter, type McpRouterOptions, type ResolvedMcpRouterOptions, type LiveSession } from './router.js';
export { RouterSession, SUPPORTED_PROTOCOL_VERSIONS } from './router-session.js';
export { createMcpRouterTarget } from './target.js';
export { mcpEndpoint, parseMcpPath, type McpGatewayContext, type McpRequestState, type McpEndpointKind } from './endpoint-filter.js';
export type { McpBackend, BackendFactory } from './backend.js';
export type { BackendRecipe, BundleConfig, CompiledMcpServer, McpSnapshot } from './types.js';
export type { McpPolicy } from './policy.js';
export { exposedName, namingRule, type NamingRule } from './naming.js';
export { mcpServerUrls } from './urls.js';
