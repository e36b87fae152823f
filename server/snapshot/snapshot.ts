import type { GatewayContext } from '../pipeline/index.js';

/** The HTTP proxy's part of a snapshot. */
export interface HttpSnapshot {
  /** Runs the HTTP pipeline (leading filters → route-match → … → dispatch) for one request. */
  readonly handle: (ctx: GatewayContext) => Promise<void>;
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
  /** Counts for status output. */
  readonly stats: Readonly<Record<string, number>>;
}

/** A snapshot that could not be built; `problems` name the offending rows and fields. */
export class SnapshotCompileError extends Error {
  override name = 'SnapshotCompileError';
  constructor(readonly problems: string[]) {
    super(`config rejected: ${problems.join('; ')}`);
  }
}
