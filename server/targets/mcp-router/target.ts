import type { GatewayContext, RouteTarget } from '../../pipeline/index.js';

/**
 * The `mcp-router` target: dispatch hands it an MCP exchange that passed the pipeline, and it runs the
 * transport handler the MCP ingress registered (Streamable HTTP or HTTP+SSE) against the router.
 */
export function createMcpRouterTarget(serve: (ctx: GatewayContext) => Promise<void>): RouteTarget {
  return { kind: 'mcp-router', handle: serve };
}
