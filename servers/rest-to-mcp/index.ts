// Public face of REST-to-MCP: Higress-compatible configs loaded, validated and served as MCP tools,
// plus the OpenAPI importer. The CLI and the MCP router import from here only.
export { exportConfig, loadRestConfigFile, parseRestConfigText, validateRestConfig } from './config/load.js';
export { REST_CONFIG_SCHEMA_ID } from './config/schema.js';
export { baseUrlProblems } from './config/rules.js';
export type { CompiledRestConfig, CompiledTool, RestConfigResult, RestMcpConfig, RestMode } from './config/types.js';
export { PASSTHROUGH_AUTH_META_KEY } from './request/call-context.js';
export { passthroughHeaderNames } from './request/security.js';
export { createRestMcpServer, type RestMcpServerOptions } from './server.js';
export { restServerDefinition, restSettingNames, storedRestSettingNames } from './definition.js';
export { openApiToRestConfig, parseOpenApiText, type OpenApiResult, type OpenApiToRestOptions } from './openapi/index.js';
