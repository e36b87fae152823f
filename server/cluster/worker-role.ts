/**
 * What a gateway started as a `--workers` cluster worker gets from, and hands to, the cluster code. Kept apart
 * from the cluster modules so gateway.ts can name it without importing them (no cycle).
 */
import type { AccessFeed } from '../observability/access-feed.js';
import type { GatewayMetrics } from '../observability/metrics.js';

/** The parts of a running worker the primary reads over IPC (metrics, status, live access log). */
export interface WorkerParts {
  readonly metrics: GatewayMetrics;
  readonly accessFeed: AccessFeed;
  /** The worker's own status (snapshot version, reloads, backend health), as a single gateway's `/status`. */
  status(): Record<string, unknown>;
  /** MCP servers the current snapshot serves, in name order (for the primary's banner). */
  mcpServers(): string[];
}

/** Set on a cluster worker's gateway: the primary serves the admin API, prunes the audit log and prints the banner. */
export interface WorkerRole {
  /** The primary's pid, written in this worker's instance row so `agate status` groups the workers. */
  readonly primaryPid: number;
  /** Called once the data plane listens, with the parts the primary reads. */
  attach(parts: WorkerParts, url: string): void;
}
