/**
 * The URLs a client uses for MCP server `name` on a gateway at `baseUrl` (for `agate mcp` output). Its own
 * module so the CLI can print URLs without loading the router.
 */
export function mcpServerUrls(baseUrl: string, name: string): { streamableHttp: string; sse: string; messages: string } {
  const base = baseUrl.replace(/\/+$/, '');
  return { streamableHttp: `${base}/mcp/${name}`, sse: `${base}/mcp/${name}/sse`, messages: `${base}/mcp/${name}/messages` };
}
