import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HostedServerDefinition, HostedServerOptions } from '../hosted-server.js';
import { createToolContext } from '../shared/tool-context.js';
import { registerWebSearch } from './tools/web-search.js';

const INFO = { name: 'quark-search', title: 'Quark Search', version: '1.0.0' } as const;
const DESCRIPTION = 'Web search through the Quark Search API (Alibaba Cloud IQS); best with Chinese queries.';

/** The `quark-search` hosted server: one tool, `web_search`. */
export const quarkSearchServer: HostedServerDefinition = Object.freeze({
  ...INFO,
  description: DESCRIPTION,
  settings: Object.freeze([
    Object.freeze({ name: 'apiKey', description: 'Alibaba Cloud IQS API key (sent as X-API-Key)', secret: true, required: true }),
  ]),
  createServer(options: HostedServerOptions): McpServer {
    const ctx = createToolContext(options);
    const server = new McpServer({ ...INFO }, { capabilities: { tools: {} }, instructions: DESCRIPTION });
    registerWebSearch(server, ctx);
    return server;
  },
});
