import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HostedServerDefinition, HostedServerOptions } from '../hosted-server.js';
import { createToolContext } from '../shared/tool-context.js';
import { registerAmapTool } from './register-tool.js';
import { AMAP_TOOLS } from './tools.js';

const INFO = { name: 'amap-tools', title: 'AMap (Gaode) Maps', version: '1.0.0' } as const;
const DESCRIPTION =
  'AMap (Gaode) web-service tools: geocoding, IP location, weather, POI search, route planning and distance.';

/** The `amap-tools` hosted server: the twelve `maps_*` tools. */
export const amapToolsServer: HostedServerDefinition = Object.freeze({
  ...INFO,
  description: DESCRIPTION,
  settings: Object.freeze([
    Object.freeze({ name: 'apiKey', description: 'AMap web-service key (sent as the key= query parameter)', secret: true, required: true }),
  ]),
  createServer(options: HostedServerOptions): McpServer {
    const ctx = createToolContext(options);
    const server = new McpServer({ ...INFO }, { capabilities: { tools: {} }, instructions: DESCRIPTION });
    for (const spec of AMAP_TOOLS) registerAmapTool(server, spec, ctx);
    return server;
  },
});
