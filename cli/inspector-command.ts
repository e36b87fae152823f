/**
 * The MCP Inspector the README, docs/mcp.md and the `agate serve` banner tell people to run (a test keeps them
 * in step). Pinned because on Node 20, the README's target, a bare `npx @modelcontextprotocol/inspector` resolves
 * to 0.15.0 (later releases need Node >= 22.7.5), whose CLI rewrites the server URL to `/mcp`; 0.17.0 ships
 * without a file its CLI imports. `-p node@22` runs it on Node 22 from the npm registry, whatever node is installed.
 */
export const INSPECTOR_VERSION = '0.21.1';

/** The one-line Inspector CLI call that lists the tools of the MCP server at `url` (Streamable HTTP). */
export function inspectorCommand(url: string): string {
  return `npx -y -p node@22 -p @modelcontextprotocol/inspector@${INSPECTOR_VERSION} -- mcp-inspector --cli ${url} --transport http --method tools/list`;
}
