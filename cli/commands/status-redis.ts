import type { Registry, RedisHealth } from '../../registry/index.js';

/** One limit's fail mode, as `agate status` lists it. */
export interface FailMode {
  /** What the limit belongs to: `route NAME`, `mcp NAME perTool`, `llm-route NAME`, `llm-route NAME budget`. */
  limit: string;
  mode: 'closed' | 'open';
  /** Whether the mode is the default for its kind of limit (no onStoreError set). */
  default: boolean;
}

/**
 * Every configured limit and what it does while Redis is away (route rates default open, quotas closed). Read
 * with the gateway's own validation, so a malformed row is left out here as it is from the gateway.
 */
export function failModes(r: Registry): FailMode[] {
  const out: FailMode[] = [];
  const add = (limit: string, set: 'closed' | 'open' | undefined, fallback: 'closed' | 'open') => out.push({ limit, mode: set ?? fallback, default: set === undefined });
  for (const route of r.routes.listChecked().values) if (route.rateLimit) add(`route ${route.name}`, route.rateLimit.onStoreError, 'open');
  for (const server of r.mcpServers.listChecked().values) {
    const { perConsumer, perTool } = server.rateLimit ?? {};
    if (perConsumer) add(`mcp ${server.name} perConsumer`, perConsumer.onStoreError, 'closed');
    if (perTool) add(`mcp ${server.name} perTool`, perTool.onStoreError, 'closed');
  }
  for (const route of r.llmRoutes.listChecked().values) {
    if (route.tokensPerMinute || route.requestsPerMinute) add(`llm-route ${route.name}`, route.limitsOnStoreError, 'closed');
    if (route.budget) add(`llm-route ${route.name} budget`, route.limitsOnStoreError, 'closed');
  }
  return out;
}

/** The lines of one gateway's Redis connection (none for a gateway without one: its state is in process). */
export function redisLines(redis: RedisHealth | undefined): string[] {
  if (!redis) return [];
  const lines = [`  redis           ${redis.state} since ${redis.since} (${redis.url})`];
  if (redis.replicas !== undefined) lines.push(`  replicas        ${redis.replicas} sharing it (each takes its share of a remote MCP server's maxConcurrentRequests)`);
  if (redis.lastError) lines.push(`  redis error     ${redis.lastError} at ${redis.lastErrorAt}`);
  const { closed, open } = redis.decidedUnderFailure;
  if (closed || open) lines.push(`  without redis   ${closed} refused (fail closed), ${open} admitted (fail open)`);
  return lines;
}

/** The fail-mode table, for gateways that run with Redis. */
export function failModeLines(modes: FailMode[]): string[] {
  if (modes.length === 0) return ['fail modes      no limits configured'];
  return ['fail modes      (what each limit does while Redis is away)', ...modes.map((m) => `  ${m.limit}: ${m.mode}${m.default ? ' (default)' : ''}`)];
}
