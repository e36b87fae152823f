import { buildChain, dispatch, type Filter, type GatewayContext, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { auth, CLIENT_KEY_AUTH, type PassedThrough } from '../filters/auth.js';
import { mcpEndpoint, parseMcpPath } from '../filters/mcp-endpoint.js';
import { mcpOrigin, type McpOriginDeps } from '../filters/mcp-origin.js';
import { endpointPassthrough, type CompiledMcpServer, type McpSnapshot } from '../targets/mcp-router/index.js';
import { compileMcpServers, type McpServersDeps } from './compile-mcp-servers.js';
import type { PartCompile } from './part-compile.js';

/** Long-lived pieces the MCP part is built with. */
export interface McpCompileDeps extends McpServersDeps {
  /** Filters that run first (observability). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  /** Browser origins MCP endpoints accept besides the request's own host (the mcp-origin filter). */
  readonly allowedOrigins: readonly string[];
  /** The listener's Host policy; the mcp-origin filter answers its refusals under /mcp/ as JSON-RPC. */
  readonly hosts: McpOriginDeps['hosts'];
}

/** Compiles MCP servers and their policies; a bad server is held back (left out, a message in `problems`). */
export function compileMcp(part: PartCompile, deps: McpCompileDeps): McpSnapshot {
  const servers = compileMcpServers(part.registry, deps, part.problems);
  return Object.freeze({
    servers,
    handle: buildChain('mcp', {
      observability: deps.leadingFilters,
      'mcp-origin': mcpOrigin({ allowedOrigins: deps.allowedOrigins }, { hosts: deps.hosts }),
      auth: auth(CLIENT_KEY_AUTH, { directory: part.consumers, passedThrough: passedThroughBy(servers) }, 'when-no-credential'),
      'mcp-endpoint': mcpEndpoint({ servers }),
      dispatch: dispatch(deps.targets),
    }),
    serverCount: servers.size,
  });
}

/** Which headers a request to `/mcp/<name>` passes to the server's upstream (configured passthrough), if any. */
function passedThroughBy(servers: ReadonlyMap<string, CompiledMcpServer>): ((ctx: GatewayContext) => PassedThrough | undefined) | undefined {
  const byServer = new Map<string, PassedThrough>();
  for (const [name, headers] of endpointPassthrough(servers)) byServer.set(name, Object.freeze({ headers, subject: name }));
  if (byServer.size === 0) return undefined;
  return (ctx) => {
    const name = parseMcpPath(ctx.request.path)?.name;
    return name === undefined ? undefined : byServer.get(name);
  };
}
