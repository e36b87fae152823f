// Higress `server.type: mcp-proxy` (plugins/wasm-go/pkg/mcp/server/plugin.go, setupMcpProxyServer): a gateway
// route in front of another MCP server. agate has that already, as a remote MCP server, so such a file becomes
// one: this module checks the fields as Higress does and works out the remote server's URL, transport, timeout
// and upstream credential.
import { httpAuthValue } from '../request/security.js';
import type { McpProxyTarget, RestMcpConfig } from './types.js';

/** Higress's timeout when `timeout` is absent or not positive (postMCPUpstream). */
export const HIGRESS_PROXY_TIMEOUT_MS = 5000;

/** Whether the file describes an mcp-proxy server rather than REST tools. */
export function isMcpProxy(config: RestMcpConfig): boolean {
  return config.server?.type === 'mcp-proxy';
}

/** Higress's load-time checks of an mcp-proxy server, plus an absolute URL (agate has no route upstream to resolve a path against). */
export function checkMcpProxy(config: RestMcpConfig): string[] {
  const server = config.server!;
  const errors: string[] = [];
  if (server.transport === undefined) errors.push('server.transport: is required for an mcp-proxy server (http or sse)');
  if (server.mcpServerURL === undefined) errors.push('server.mcpServerURL: is required for an mcp-proxy server');
  else if (!isHttpUrl(server.mcpServerURL)) errors.push(`server.mcpServerURL: must be an absolute http or https URL (got ${JSON.stringify(server.mcpServerURL)})`);
  if (server.protocolStrategy === 'modern' && server.transport === 'sse') errors.push("server.protocolStrategy: 'modern' requires transport http");
  return errors;
}

/** The remote server an mcp-proxy config describes (call after {@link checkMcpProxy} found nothing). */
export function mcpProxyTarget(config: RestMcpConfig): { target: McpProxyTarget; warnings: string[] } {
  const server = config.server!;
  const warnings: string[] = [];
  const url = new URL(server.mcpServerURL!);
  const headers: Record<string, string> = {};
  const upstream = server.defaultUpstreamSecurity;
  const scheme = upstream && server.securitySchemes?.find((s) => s.id === upstream.id);
  const credential = (upstream?.credential || undefined) ?? (scheme?.defaultCredential || undefined);
  if (scheme && credential === undefined) warnings.push(`server.defaultUpstreamSecurity: scheme "${scheme.id}" has no credential; calls go without one`);
  else if (scheme && credential !== undefined) {
    if (scheme.type === 'http') headers.Authorization = httpAuthValue(scheme, credential, false);
    else if (scheme.in === 'header') headers[scheme.name!] = credential;
    else if (scheme.in === 'query') url.searchParams.set(scheme.name!, credential);
    else headers.Cookie = `${scheme.name!}=${credential}`;
  }
  // Higress (proxy_server.go) forwards the client's Authorization only when no upstream scheme is set; with one, the
  // configured credential is what the backend gets.
  const passthroughAuthHeader = server.passthroughAuthHeader === true && !upstream?.id;
  if (server.passthroughAuthHeader && !passthroughAuthHeader) {
    warnings.push('server.passthroughAuthHeader: not applied, as in Higress: defaultUpstreamSecurity sets the credential the server gets');
  }
  if ((config.tools?.length ?? 0) > 0) warnings.push('tools: per-tool settings of an mcp-proxy server are not applied; agate lists the upstream\'s tools as they are');
  if (server.defaultDownstreamSecurity !== undefined) warnings.push('server.defaultDownstreamSecurity: client authentication is agate\'s consumers and access rules, not the file');
  const target: McpProxyTarget = {
    url: url.href,
    transport: server.transport === 'sse' ? 'sse' : 'streamable-http',
    timeoutMs: server.timeout !== undefined && server.timeout > 0 ? server.timeout : HIGRESS_PROXY_TIMEOUT_MS,
    headers,
    passthroughAuthHeader,
  };
  return { target, warnings };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
