/**
 * The one connection to Redis, agate's shared runtime store across replicas (design.md §9): quotas, key health,
 * and later MCP sessions all use this client. It fails fast: no offline queue (a command while disconnected is
 * refused at once) and a short command timeout, so no request waits on Redis past a deadline; ioredis reconnects
 * by itself, and `health()` says what status, metrics and logs report.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { connected } from './redis-ready.js';
import { redactUrl, redisTarget } from './redis-url.js';
import type { Logger } from '../observability/logger.js';

/** `up` once a connection is ready; `down` after it failed or closed (ioredis keeps trying); `connecting` at first. */
export type SharedStoreState = 'connecting' | 'up' | 'down';

/** What `agate status` shows about Redis. */
export interface SharedStoreHealth {
  /** The Redis URL without its password. */
  url: string;
  state: SharedStoreState;
  /** When it entered this state (ISO time). */
  since: string;
  /** The last connection or command error, if any (kept after recovery, with its time). */
  lastError?: string;
  lastErrorAt?: string;
}

/** How to connect. */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]`, `rediss://…`, `unix:///path/redis.sock` or `redis-sentinel://…` (redis-url.ts). */
  url: string;
  /** Longest wait for one command, ms (default 100): past it the caller's fail mode decides. */
  commandTimeoutMs?: number;
  log?: Logger;
  /** Called on every change between up and not up (metrics gauge). */
  onUp?: (up: boolean) => void;
}

/** Default command deadline: far above a loopback or LAN round trip (< 1 ms), far below what a client notices. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 100;

/** A fail-fast, self-reconnecting ioredis client with a health record. */
export class RedisConnection {
  readonly client: Redis;
  /** How long a caller waits for one command, ms. */
  readonly deadlineMs: number;
  private state: SharedStoreState = 'connecting';
  private since = new Date().toISOString();
  private lastError?: { message: string; at: string };

  constructor(private readonly options: RedisConnectionOptions) {
    this.deadlineMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const target = redisTarget(options.url);
    const settings: RedisOptions = {
      // A backstop: callers apply `deadlineMs` themselves (withDeadline), which lets an answer that already
      // arrived win over a timer that fired late; this one only frees commands nobody waits for any more.
      commandTimeout: this.deadlineMs * 4,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      // Reconnect soon after a restart, never slower than once a second.
      retryStrategy: (times) => Math.min(times * 50, 1_000),
      // Sentinel: asking the sentinels for the primary follows the same pace as reconnecting to it.
      sentinelRetryStrategy: (times) => Math.min(times * 50, 1_000),
      lazyConnect: false,
    };
    this.client = typeof target === 'string' ? new Redis(target, settings) : new Redis({ ...target, ...settings });
    this.client.on('ready', () => this.enter('up'));
    this.client.on('error', (err: Error) => this.noteError(err));
    this.client.on('close', () => this.enter('down'));
  }

  /** Whether commands can be sent now. */
  get up(): boolean {
    return this.state === 'up';
  }

  /** Waits until the first connection is ready or `timeoutMs` passed; a gateway starts either way. */
  async ready(timeoutMs: number): Promise<boolean> {
    await connected(this.client, timeoutMs);
    return this.up;
  }

  /** Records a command's failure (a timeout, a refused write) so status shows the latest cause. */
  noteError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = { message, at: new Date().toISOString() };
  }

  health(): SharedStoreHealth {
    return {
      url: redactUrl(this.options.url),
      state: this.state,
      since: this.since,
      ...(this.lastError && { lastError: this.lastError.message, lastErrorAt: this.lastError.at }),
    };
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    this.client.disconnect(false);
  }

  private enter(state: SharedStoreState): void {
    if (state === this.state) return;
    const wasUp = this.state === 'up';
    this.state = state;
    this.since = new Date().toISOString();
    const url = redactUrl(this.options.url);
    if (state === 'up') this.options.log?.info({ redis: url }, 'redis: connected');
    else if (wasUp) this.options.log?.warn({ redis: url, err: this.lastError?.message }, 'redis: connection lost; reconnecting (limits follow their onStoreError mode meanwhile)');
    if (wasUp !== (state === 'up')) this.options.onUp?.(state === 'up');
  }
}
