import type { GatewayContext } from '../pipeline/index.js';

/** An immutable, compiled view of the registry. Requests capture one at arrival and keep it to the end. */
export interface Snapshot {
  /** The registry config version it was compiled from. */
  readonly version: number;
  readonly builtAt: Date;
  /** Runs the HTTP pipeline (observability → route-match → dispatch) for one request. */
  readonly handleHttp: (ctx: GatewayContext) => Promise<void>;
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
