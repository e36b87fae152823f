import { buildChain, dispatch, type Filter, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { auth, CLIENT_KEY_AUTH } from '../filters/auth.js';
import { mcpEndpoint, parseMcpPath } from '../filters/mcp-endpoint.js';
import { oauthMetadata } from '../filters/oauth-metadata.js';
import type { OAuthResource } from '../auth/oauth/index.js';
import type { GatewayContext } from '../pipeline/index.js';
import { mcpOrigin, type McpOriginDeps } from '../filters/mcp-origin.js';
import type { McpSnapshot } from '../targets/mcp-router/index.js';
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
  const resources = new Map<string, OAuthResource>();
  for (const s of servers.values()) if (s.oauth) resources.set(s.name, s.oauth);
  return Object.freeze({
    servers,
    handle: buildChain('mcp', {
      observability: deps.leadingFilters,
      'oauth-metadata': oauthMetadata(resources),
      'mcp-origin': mcpOrigin({ allowedOrigins: deps.allowedOrigins }, { hosts: deps.hosts }),
      auth: auth(CLIENT_KEY_AUTH, { directory: part.consumers, oauthResourceOf: resources.size ? oauthResourceOf(resources) : undefined }, 'when-no-credential'),
      'mcp-endpoint': mcpEndpoint({ servers }),
      dispatch: dispatch(deps.targets),
    }),
    serverCount: servers.size,
  });
}

/** The OAuth resource server a request's `/mcp/<name>` path names, if that server uses OAuth. */
function oauthResourceOf(resources: ReadonlyMap<string, OAuthResource>): (ctx: GatewayContext) => OAuthResource | undefined {
  return (ctx) => {
    const name = parseMcpPath(ctx.request.path)?.name;
    return name === undefined ? undefined : resources.get(name);
  };
}
