import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * The contract every hosted (in-process) MCP server satisfies. The gateway's MCP router depends only
 * on this file and `servers/index.ts`, never on a server's internals.
 */

/** One configuration value a hosted server needs, e.g. an upstream API key. */
export interface HostedServerSetting {
  /** Key in `HostedServerOptions.settings`, e.g. `apiKey`. */
  name: string;
  /** One line for `agate mcp` help and the admin API. */
  description: string;
  /** Stored encrypted and never echoed back (API keys). */
  secret: boolean;
  /** Tools fail with a clear "not configured" result until it is set. */
  required: boolean;
}

/** What the router hands to `createServer` for one configured server instance. */
export interface HostedServerOptions {
  /** Setting values (already decrypted), e.g. { apiKey: '…' }. */
  settings: Readonly<Record<string, string>>;
  /** Origin overrides: 'https://restapi.amap.com' → 'http://127.0.0.1:9000' (tests, staging). */
  originOverrides?: Readonly<Record<string, string>>;
  /** Per-call upstream timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Upstream response size cap in bytes (default 4 MiB). */
  maxResponseBytes?: number;
}

/** A hosted server type, registered by name in `hostedServers`. */
export interface HostedServerDefinition {
  /** Registry name, e.g. `amap-tools` (what `agate mcp add --server` takes). */
  name: string;
  /** Human-readable name. */
  title: string;
  /** Version reported in the MCP `initialize` result. */
  version: string;
  /** What the server offers; also sent as the MCP `instructions`. */
  description: string;
  /** Settings the server reads from `HostedServerOptions.settings`. */
  settings: readonly HostedServerSetting[];
  /** Builds a fresh, unconnected server; throws on invalid options (bad override URL, bad limits). */
  createServer(options: HostedServerOptions): McpServer;
}

/**
 * `_meta` key on a tools/call request carrying the verified caller IP (optionally with port). The router
 * strips any client-supplied value and sets its own; tools read it from the handler's `extra._meta`.
 * Namespaced per the MCP `_meta` key rules (reverse-DNS prefix + slash).
 */
export const CLIENT_IP_META_KEY = 'io.agate/client-ip';

/**
 * `_meta` key on a tools/call request carrying client credentials for passthrough, set by the router (which
 * strips any client-supplied value) only for servers configured to pass client auth through. Either the
 * client's `Authorization` value as a string, or an object of lower-case header name → value.
 */
export const PASSTHROUGH_AUTH_META_KEY = 'io.agate/passthrough-auth';

/**
 * Prefix of a `io.agate/passthrough-auth` entry holding a query parameter of the client's MCP request rather
 * than a header (`query:api_key`); header names cannot contain ':', so the two never collide.
 */
export const PASSTHROUGH_QUERY_PREFIX = 'query:';
