import type { HostedServerDefinition, HostedServerOptions } from '../../../servers/index.js';
import type { McpBackendSpec } from '../../../registry/index.js';
import type { GatewayContext } from '../../pipeline/index.js';
import type { OAuthResource } from '../../auth/oauth/index.js';
import type { TokenEndpoint } from '../../auth/upstream-tokens.js';
import type { ConsentEndpoint } from '../../auth/vault/index.js';
import type { McpPolicy } from './policy.js';

/**
 * How to build a backend, as compiled from the registry (secrets already resolved). REST configs are compiled
 * into a server definition, so they run in process exactly like hosted servers.
 */
export type BackendRecipe =
  | {
      readonly kind: 'hosted' | 'rest';
      readonly definition: HostedServerDefinition;
      readonly options: HostedServerOptions;
      /** Lower-case client headers the server reads for credential passthrough (REST `passthrough`); empty: none. */
      readonly passthroughHeaders?: readonly string[];
      /** Consumer name → that consumer's own settings, laid over `options.settings` for its sessions (REST). */
      readonly consumerSettings?: ReadonlyMap<string, Readonly<Record<string, string>>>;
    }
  | {
      readonly kind: 'remote' | 'stdio';
      readonly spec: McpBackendSpec;
      /** A remote server's `upstreamAuth` with its client secret decrypted. */
      readonly upstreamAuth?: TokenEndpoint | ConsentEndpoint;
    };

/** A bundle's members and naming. */
export interface BundleConfig {
  readonly members: readonly string[];
  readonly separator: string;
  readonly prefix: 'always' | 'conditional' | 'never';
  /** Member → its upstream tool names exposed here (Higress toolSet serverTools); unlisted members expose all. */
  readonly tools?: Readonly<Record<string, readonly string[]>>;
  /**
   * Each enabled member's own compiled policy: every message the bundle routes to a member meets it, on top of
   * the bundle's. A member without one (missing, disabled) is refused.
   */
  readonly policies: ReadonlyMap<string, McpPolicy>;
}

/** One MCP server as compiled into a snapshot. */
export interface CompiledMcpServer {
  readonly name: string;
  readonly description?: string;
  /** Set for every kind except `bundle`. */
  readonly backend?: BackendRecipe;
  /** Hash of the backend recipe (secrets included): a change replaces the backend. '' for bundles. */
  readonly backendHash: string;
  /** Set for bundles. */
  readonly bundle?: BundleConfig;
  readonly policy: McpPolicy;
  /** Set when the server is an OAuth resource server (`auth: oauth`): clients present its access tokens. */
  readonly oauth?: OAuthResource;
  /** Hash of the whole compiled config: a change tells open sessions their tools may have changed. */
  readonly configHash: string;
}

/**
 * Which MCP endpoint of a server a request is for. Not MCP: `settings` (the consumer's own settings) and `consent`
 * (the consumer's own upstream grants in the token vault).
 */
export type McpEndpointKind = 'streamable-http' | 'sse' | 'messages' | 'settings' | 'consent';

/** What the `mcp-endpoint` filter adds to the context: the server the path names and which of its endpoints. */
export interface McpRequestState {
  readonly server: CompiledMcpServer;
  readonly endpoint: McpEndpointKind;
}

/** A GatewayContext on an MCP endpoint: `mcp` is set by the `mcp-endpoint` filter, before dispatch. */
export type McpGatewayContext = GatewayContext & { mcp?: McpRequestState };

/** The MCP router's part of a snapshot. */
export interface McpSnapshot {
  /** Enabled servers by name. */
  readonly servers: ReadonlyMap<string, CompiledMcpServer>;
  /** Runs the MCP pipeline (the `mcp` chain of server/pipeline/chains.ts) for one HTTP exchange. */
  readonly handle: (ctx: GatewayContext) => Promise<void>;
  readonly serverCount: number;
}
