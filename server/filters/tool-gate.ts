import { gatewayError } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
// policy.js directly, not the router's index: the write-time check compiles servers without loading the router.
import { toolAllowed, type McpMessageContext, type McpPolicy } from '../targets/mcp-router/policy.js';

/**
 * The tool step of the MCP tools/call chain: a tool outside the allow lists is refused exactly like a missing one
 * (GW_ERR_MCP_UNKNOWN_TOOL under the name the client used), so allow lists do not reveal what exists.
 */
export function toolGate(config: Pick<McpPolicy, 'tools' | 'allowTools'>): Filter {
  return async function gateTool(ctx, next) {
    const { tool, calledAs } = (ctx as McpMessageContext).mcpMessage;
    if (tool === undefined || !toolAllowed(config, tool, ctx.consumer)) throw gatewayError('GW_ERR_MCP_UNKNOWN_TOOL', calledAs ?? tool);
    await next();
  };
}
