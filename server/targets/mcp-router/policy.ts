import type { ConsumerIdentity } from '../../pipeline/index.js';
import type { McpLimitSpec } from '../../../registry/index.js';

/** Who may use a server and which of its tools; compiled from the registry, never from request headers. */
export interface McpPolicy {
  /** Consumers (`name` or `group:<name>`) allowed at all; undefined: anyone, anonymous included. */
  readonly consumers?: readonly string[];
  /** Exposed tool name → consumers allowed to list and call it. */
  readonly tools: Readonly<Record<string, readonly string[]>>;
  /** Only these exposed tools exist at this endpoint; undefined: all. */
  readonly allowTools?: ReadonlySet<string>;
  readonly rateLimit: { readonly perConsumer?: McpLimitSpec; readonly perTool?: McpLimitSpec };
}

/** Whether `consumer` matches an allow list of names and `group:` entries. */
function matchesAllowList(list: readonly string[], consumer: ConsumerIdentity | undefined): boolean {
  if (!consumer) return false;
  return list.some((entry) =>
    entry.startsWith('group:') ? consumer.groups.includes(entry.slice('group:'.length)) : entry === consumer.name,
  );
}

/** Whether the server's policy lets `consumer` in at all. */
export function consumerAllowed(policy: McpPolicy, consumer: ConsumerIdentity | undefined): boolean {
  return policy.consumers === undefined || matchesAllowList(policy.consumers, consumer);
}

/** Whether `consumer` may see and call the exposed tool `name` (same answer for tools/list and tools/call). */
export function toolAllowed(policy: McpPolicy, name: string, consumer: ConsumerIdentity | undefined): boolean {
  if (policy.allowTools && !policy.allowTools.has(name)) return false;
  const list = policy.tools[name];
  return list === undefined || matchesAllowList(list, consumer);
}

/** A refused call: how long until the window that refused it resets. */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number; limit: 'perConsumer' | 'perTool' };

/**
 * Fixed-window counters for tools/call, keyed by server + consumer and server + tool. Long-lived (kept across
 * snapshot swaps); a window whose limit changed simply restarts. Counters are dropped as windows pass.
 */
export class ToolCallLimiter {
  private readonly windows = new Map<string, { start: number; count: number; windowMs: number }>();

  /** Counts one call against both limits; refuses (without counting) if either is exhausted. */
  take(server: string, tool: string, consumer: string | undefined, policy: McpPolicy, now = Date.now()): RateDecision {
    const checks: Array<[key: string, limit: McpLimitSpec, which: 'perConsumer' | 'perTool']> = [];
    if (policy.rateLimit.perConsumer) checks.push([`c\0${server}\0${consumer ?? ''}`, policy.rateLimit.perConsumer, 'perConsumer']);
    if (policy.rateLimit.perTool) checks.push([`t\0${server}\0${tool}`, policy.rateLimit.perTool, 'perTool']);
    for (const [key, limit, which] of checks) {
      const w = this.window(key, limit, now);
      if (w.count >= limit.requests) return { ok: false, retryAfterMs: Math.max(1, w.start + w.windowMs - now), limit: which };
    }
    for (const [key, limit] of checks) this.window(key, limit, now).count++;
    if (this.windows.size > 10_000) this.sweep(now);
    return { ok: true };
  }

  private window(key: string, limit: McpLimitSpec, now: number) {
    const windowMs = limit.windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || now - w.start >= w.windowMs || w.windowMs !== windowMs) {
      w = { start: now, count: 0, windowMs };
      this.windows.set(key, w);
    }
    return w;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= w.windowMs) this.windows.delete(key);
  }
}
