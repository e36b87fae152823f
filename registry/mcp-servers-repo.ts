import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';
import { RegistryError } from './errors.js';
import type { SecretBox } from './secret-box.js';
import type { BucketSpec } from './routes-repo.js';
import { HEADER_MAX_SEALED, MASK, isPlainName, isSealed, openValue, sameSealed, sealField } from './secret-fields.js';

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
  /** Where path-only request URLs go (base URL + path). */
  baseUrl?: string;
  /** `{{.config.X}}` names each consumer may set for itself at `/mcp/<name>/settings`; none unless listed. */
  selfServiceSettings?: string[];
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
  /** Credentials from an OAuth authorization server instead of (or besides) static headers. */
  upstreamAuth?: UpstreamAuthSpec;
  /** Higress mcp-proxy `passthroughAuthHeader`: the client's Authorization goes to the server on tools/call, and is not agate's. */
  passthroughAuthHeader?: boolean;
}

/** How agate gets an upstream's bearer token (mcp-server.schema.json#/$defs/upstreamAuth). */
export interface UpstreamAuthSpec {
  /**
   * `client_credentials` (RFC 6749 §4.4): one token for every call; `token_exchange` (RFC 8693): per user;
   * `authorization_code`: the per-user token vault (each consumer consents once, PKCE).
   */
  type: 'client_credentials' | 'token_exchange' | 'authorization_code';
  /** authorization_code: the issuer (metadata gives missing endpoints; a callback's `iss` must match it). */
  issuer?: string;
  /** authorization_code: the authorization endpoint. */
  authorizationUrl?: string;
  /** The token endpoint (required but for authorization_code with an issuer). */
  tokenUrl?: string;
  clientId: string;
  /** Name of the stored secret holding the client secret (absent: a public client, authorization_code only). */
  clientSecret?: string;
  scope?: string;
  audience?: string;
  resource?: string;
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

/** A tool-call limit: the one rate-limit shape with its window in seconds. */
export interface McpLimitSpec extends BucketSpec {
  windowSeconds: number;
}

/** OAuth 2.1 resource-server settings of an MCP server (mcp-server.schema.json#/$defs/oauth). */
export interface McpOAuthSpec {
  type: 'oauth';
  /** The authorization server's issuer identifier (the tokens' `iss`). */
  issuer: string;
  /** The issuer's JWKS; absent: from the issuer's metadata. */
  jwksUri?: string;
  /** RFC 7662 introspection for opaque tokens; `clientSecret` names a stored secret. */
  introspection?: { url: string; clientId: string; clientSecret: string };
  /** Scopes every token must hold (the schema defaults it to []). */
  scopes: string[];
  /** The `aud` required; absent: the server's canonical URL. */
  audience?: string;
}

/** A stored MCP server (mcp-server.schema.json); the backend's shape depends on its kind. */
export interface McpServerSpec {
  name: string;
  description?: string;
  backend: McpBackendSpec;
  access?: { consumers?: string[]; tools?: Record<string, string[]>; allowTools?: string[] };
  /** OAuth resource server: clients present an access token from `issuer` instead of an agate key. */
  auth?: McpOAuthSpec;
  rateLimit?: { perConsumer?: McpLimitSpec; perTool?: McpLimitSpec };
  enabled: boolean;
}

/**
 * MCP servers served at /mcp/<name>. Remote header and stdio environment values whose names are not known to
 * be plain are sealed in place with `box` on every write (create, update, apply), as route headers are.
 */
export function createMcpServersRepo(db: Db, audit: AuditRepo, box: () => SecretBox): SpecStore<McpServerSpec> {
  return new SpecStore<McpServerSpec>(db, audit, {
    table: 'mcp_servers',
    kind: 'mcpServer',
    hooks: { prepare: (spec, current) => sealMcpServer(spec, current, box), auditDetail: maskMcpServer },
  });
}

/** The plain-value map a backend may hold sealed values in: remote headers, stdio environment. */
function sealableField(backend: McpBackendSpec): 'headers' | 'env' | undefined {
  return backend.kind === 'remote' ? 'headers' : backend.kind === 'stdio' ? 'env' : undefined;
}

/** The values of that map (none for other kinds). */
function sealableValues(backend: McpBackendSpec): Record<string, string> | undefined {
  return backend.kind === 'remote' ? backend.headers : backend.kind === 'stdio' ? backend.env : undefined;
}

/** Where a sealed header or environment value of server `server` is bound (the AES-GCM associated data). */
function mcpValueBinding(server: string, field: 'headers' | 'env', name: string): string {
  return `mcpServer/${server}/backend.${field}/${field === 'headers' ? name.toLowerCase() : name}`;
}

/**
 * Seals every header or env value whose name is not known to be plain. The mask `********` stands for the
 * stored value, and an unchanged plaintext keeps its ciphertext, so a spec read back can be written again.
 */
function sealMcpServer(spec: McpServerSpec, current: McpServerSpec | undefined, box: () => SecretBox): McpServerSpec {
  const field = sealableField(spec.backend);
  if (!field) return spec;
  const values = sealableValues(spec.backend) ?? {};
  const stored = (current && sealableField(current.backend) === field && sealableValues(current.backend)) || {};
  const problems: string[] = [];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const label = `mcpServer.backend.${field}.${name}`;
    const previous = field === 'headers' ? Object.entries(stored).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] : stored[name];
    const kept = value === MASK ? previous : value;
    const where = mcpValueBinding(spec.name, field, name);
    const max = field === 'headers' ? HEADER_MAX_SEALED : undefined;
    if (kept === undefined) problems.push(`${label}: is the mask "${MASK}" but no value is stored for it; give the value`);
    else if (isPlainName(name) || kept === '') out[name] = kept;
    else out[name] = sameSealed({ box, where, value: kept, previous }) ?? sealField({ box, where, value: kept, field: label, max }, problems);
  }
  if (problems.length) throw new RegistryError('validation', problems);
  return { ...spec, backend: { ...spec.backend, [field]: out } as McpBackendSpec };
}

/** `spec` as every interface shows it: header and env values that are (or should be) secret are masked. */
export function maskMcpServer(spec: McpServerSpec): McpServerSpec {
  return mapValues(spec, (_field, name, v) => (v === '' || (isPlainName(name) && !isSealed(v)) ? v : MASK));
}

/** `spec` with its sealed header and env values decrypted, for the snapshot compiler. */
export function openMcpServer(spec: McpServerSpec, box: () => SecretBox): McpServerSpec {
  return mapValues(spec, (field, name, v) => (isSealed(v) ? openValue(box(), mcpValueBinding(spec.name, field, name), v) : v));
}

function mapValues(spec: McpServerSpec, fn: (field: 'headers' | 'env', name: string, value: string) => string): McpServerSpec {
  const field = sealableField(spec.backend);
  const values = sealableValues(spec.backend);
  if (!field || !values) return spec;
  const mapped = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fn(field, k, v)]));
  return { ...spec, backend: { ...spec.backend, [field]: mapped } as McpBackendSpec };
}
