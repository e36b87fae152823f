export { McpRouter, type McpRouterOptions, type ResolvedMcpRouterOptions, type LiveSession } from './router.js';
export { RouterSession, SUPPORTED_PROTOCOL_VERSIONS } from './router-session.js';
export { createMcpRouterTarget } from './target.js';
export type { McpBackend, BackendFactory } from './backend.js';
export type { BackendRecipe, BundleConfig, CompiledMcpServer, McpEndpointKind, McpGatewayContext, McpRequestState, McpSnapshot } from './types.js';
export { type McpMessageContext, type McpPolicy, type McpPolicyChain } from './policy.js';
export { exposedName, namingRule, type NamingRule } from './naming.js';
export { mcpServerUrls } from './urls.js';
export { isId, isJsonRpcMessage, isNotification, isObject, isRequest, isResponse } from './json-rpc.js';
