import type { GatewayContext } from '../pipeline/index.js';
import type { McpSnapshot } from '../targets/mcp-router/index.js';
import type { LlmSnapshot } from './compile-llm.js';
import type { ConsumerDirectory } from '../auth/index.js';
import type { HttpRouter } from '../routing/http-router.js';
import type { ProxyRoute } from '../targets/http-proxy/index.js';

/** The HTTP proxy's part of a snapshot. */
export interface HttpSnapshot {
  /** Runs the HTTP pipeline (leading filters → route-match → … → dispatch) for one request. */
  readonly handle: (ctx: GatewayContext) => Promise<void>;
  /** The route table (WebSocket upgrades are matched against it outside the pipeline). */
  readonly router: HttpRouter<ProxyRoute>;
  /** Consumer credentials, for the auth filter of every ingress (HTTP, MCP, LLM). */
  readonly consumers: ConsumerDirectory;
  readonly routeCount: number;
  readonly upstreamCount: number;
}

/**
 * An immutable, compiled view of the registry. Requests capture one at arrival and keep it to the end.
 * Each subsystem (HTTP proxy, MCP router, LLM router) compiles its own part from the same read transaction.
 */
export interface Snapshot {
  /** The registry config version it was compiled from. */
  readonly version: number;
  readonly builtAt: Date;
  readonly http: HttpSnapshot;
  /** MCP servers served at /mcp/<name>. */
  readonly mcp: McpSnapshot;
  /** The LLM router's part; absent when the gateway was built without LLM routing. */
  readonly llm?: LlmSnapshot;
  /** Counts for status output. */
  readonly stats: Readonly<Record<string, number>>;
  /** Problems of the entities left out of this snapshot (each line starts `kind "name": `); the rest is served. */
  readonly heldBack: readonly string[];
}

/** A snapshot that could not be built at all; `problems` name what went wrong. */
export class SnapshotCompileError extends Error {
  override name = 'SnapshotCompileError';
  constructor(readonly problems: string[]) {
    super(`config rejected: ${problems.join('; ')}`);
  }
}
