import { gatewayError } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
// policy.js and types.js directly, not the router's index: a filter does not load the MCP router (nor the SDK).
import { consumerAllowed } from '../targets/mcp-router/policy.js';
import type { CompiledMcpServer, McpEndpointKind, McpGatewayContext } from '../targets/mcp-router/types.js';

/** What the endpoint filter serves: the snapshot's enabled MCP servers by name. */
export interface McpEndpointConfig {
  readonly servers: ReadonlyMap<string, CompiledMcpServer>;
}

const SUBPATHS: Readonly<Record<string, McpEndpointKind>> = { '/sse': 'sse', '/messages': 'messages', '/settings': 'settings', '/consent': 'consent' };

/**
 * Parses `/mcp/<name>`, `/mcp/<name>/sse`, `/mcp/<name>/messages` and `/mcp/<name>/settings` (the consumer's own
 * settings: a third segment, so no server name, not even `settings`, can collide with it); undefined otherwise.
 */
export function parseMcpPath(path: string): { name: string; endpoint: McpEndpointKind } | undefined {
  const m = /^\/mcp\/([a-z0-9][a-z0-9._-]{0,62})(\/sse|\/messages|\/settings|\/consent)?\/?$/.exec(path);
  if (!m) return undefined;
  return { name: m[1]!, endpoint: m[2] ? SUBPATHS[m[2]]! : 'streamable-http' };
}

/**
 * Finds the MCP server the path names (404 otherwise), sets the route and `ctx.mcp`, and applies the server's
 * consumer allow list: 401 without credentials, 403 for a consumer that is not on it. Only registry config decides this.
 */
export function mcpEndpoint(config: McpEndpointConfig): Filter {
  const servers = config.servers;
  return async function matchMcpEndpoint(ctx: McpGatewayContext, next) {
    const parsed = parseMcpPath(ctx.request.path);
    const server = parsed && servers.get(parsed.name);
    if (!parsed || !server) throw gatewayError('GW_ERR_MCP_SERVER_NOT_FOUND', parsed?.name ?? ctx.request.path);
    // A consumer's own data (settings, upstream grants) is served by the mcp-settings target, not the MCP router.
    const own = parsed.endpoint === 'settings' || parsed.endpoint === 'consent';
    ctx.route = { name: `mcp:${server.name}${own ? `:${parsed.endpoint}` : ''}`, target: { kind: own ? 'mcp-settings' : 'mcp-router' } };
    if (!consumerAllowed(server.policy, ctx.consumer)) {
      if (!ctx.consumer) throw gatewayError('GW_ERR_AUTH_MISSING');
      throw gatewayError('GW_ERR_AUTH_FORBIDDEN', ctx.consumer.name, `MCP server ${server.name}`);
    }
    ctx.mcp = { server, endpoint: parsed.endpoint };
    await next();
  };
}
