import { buildChain, dispatch, type Filter, type GatewayContext, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { auth, CLIENT_KEY_AUTH, type PassedThrough } from '../filters/auth.js';
import { mcpEndpoint, parseMcpPath } from '../filters/mcp-endpoint.js';
import { oauthMetadata } from '../filters/oauth-metadata.js';
import type { OAuthResource } from '../auth/oauth/index.js';
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
  holdBackTokenPassthrough(servers, part.problems);
  const resources = new Map<string, OAuthResource>();
  for (const s of servers.values()) if (s.oauth) resources.set(s.name, s.oauth);
  return Object.freeze({
    servers,
    handle: buildChain('mcp', {
      observability: deps.leadingFilters,
      'oauth-metadata': oauthMetadata(resources),
      'mcp-origin': mcpOrigin({ allowedOrigins: deps.allowedOrigins }, { hosts: deps.hosts }),
      auth: auth(CLIENT_KEY_AUTH, { directory: part.consumers, oauthResourceOf: byEndpoint(resources), passedThrough: byEndpoint(passedThrough(servers)) }, 'when-no-credential'),
      'mcp-endpoint': mcpEndpoint({ servers }),
      dispatch: dispatch(deps.targets),
    }),
    serverCount: servers.size,
  });
}

/**
 * An OAuth resource server takes the client's `Authorization` for its own access token; passing that header to an
 * upstream too would be the token passthrough MCP authorization forbids. Such a server is held back, never served.
 */
function holdBackTokenPassthrough(servers: Map<string, CompiledMcpServer>, problems: string[]): void {
  const passing = endpointPassthrough(servers);
  for (const s of [...servers.values()]) {
    if (!s.oauth || !passing.get(s.name)?.has('authorization')) continue;
    problems.push(`mcpServer "${s.name}": auth: oauth cannot be combined with passing the client's Authorization through (passthroughAuthHeader or a passthrough security scheme): the access token would reach the upstream`);
    servers.delete(s.name);
  }
}

/** Which headers each server passes to its upstream (configured passthrough). */
function passedThrough(servers: ReadonlyMap<string, CompiledMcpServer>): Map<string, PassedThrough> {
  const byServer = new Map<string, PassedThrough>();
  for (const [name, headers] of endpointPassthrough(servers)) byServer.set(name, Object.freeze({ headers, subject: name }));
  return byServer;
}

/** What `byServer` holds for the server a request's `/mcp/<name>` path names; undefined when it holds nothing at all. */
function byEndpoint<T>(byServer: ReadonlyMap<string, T>): ((ctx: GatewayContext) => T | undefined) | undefined {
  if (byServer.size === 0) return undefined;
  return (ctx) => {
    const name = parseMcpPath(ctx.request.path)?.name;
    return name === undefined ? undefined : byServer.get(name);
  };
}
