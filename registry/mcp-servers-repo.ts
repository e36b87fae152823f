import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';

/** A server built into agate (servers/), run in process. */
export interface HostedBackendSpec {
  kind: 'hosted';
  /** Name in `hostedServers`, e.g. `amap-tools`. */
  server: string;
  settings: Record<string, string>;
  /** Setting name → stored secret name. */
  secretSettings: Record<string, string>;
  originOverrides?: Record<string, string>;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

/** REST-to-MCP tools; `config` belongs to the REST-to-MCP engine. */
export interface RestBackendSpec {
  kind: 'rest';
  config: Record<string, unknown>;
  /** Plain values for `{{.config.X}}` (the schema defaults it to {}). */
  settings?: Record<string, string>;
  /** `{{.config.X}}` name → stored secret name (the schema defaults it to {}). */
  secretSettings?: Record<string, string>;
  originOverrides?: Record<string, string>;
}

/** A remote MCP server over Streamable HTTP or HTTP+SSE. */
export interface RemoteBackendSpec {
  kind: 'remote';
  url: string;
  transport: 'streamable-http' | 'sse';
  headers: Record<string, string>;
  /** Header name → stored secret name. */
  secretHeaders?: Record<string, string>;
  timeoutMs?: number;
  /** Largest JSON answer or SSE event accepted from the server, bytes (default 4 MiB). */
  maxMessageBytes?: number;
  /** Most requests in flight to the server at once, over all sessions (default 256; 0: no limit). */
  maxConcurrentRequests?: number;
}

/** A local MCP server run as a child process speaking stdio. */
export interface StdioBackendSpec {
  kind: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Environment variable → stored secret name. */
  secretEnv?: Record<string, string>;
  cwd?: string;
  /** `shared` or `per-session` processes; unset: shared, but a session that declares roots gets its own. */
  isolation?: 'shared' | 'per-session';
}

/** Several servers at one endpoint. */
export interface BundleBackendSpec {
  kind: 'bundle';
  members: string[];
  separator: string;
  prefix: 'always' | 'conditional' | 'never';
  /** Member → its tools (upstream names) exposed here; an unlisted member exposes all (Higress toolSet). */
  tools?: Record<string, string[]>;
}

/** Any backend, discriminated by `kind`. */
export type McpBackendSpec = HostedBackendSpec | RestBackendSpec | RemoteBackendSpec | StdioBackendSpec | BundleBackendSpec;

/** A request-count limit over a fixed window. */
export interface McpLimitSpec {
  requests: number;
  windowSeconds: number;
}

/** A stored MCP server (mcp-server.schema.json); the backend's shape depends on its kind. */
export interface McpServerSpec {
  name: string;
  description?: string;
  backend: McpBackendSpec;
  access?: { consumers?: string[]; tools?: Record<string, string[]>; allowTools?: string[] };
  rateLimit?: { perConsumer?: McpLimitSpec; perTool?: McpLimitSpec };
  enabled: boolean;
}

/** MCP servers served at /mcp/<name>. */
export function createMcpServersRepo(db: Db, audit: AuditRepo): SpecStore<McpServerSpec> {
  return new SpecStore<McpServerSpec>(db, audit, { table: 'mcp_servers', kind: 'mcpServer' });
}
