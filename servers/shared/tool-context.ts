import type { HostedServerOptions } from '../hosted-server.js';
import { resolveUpstreamLimits, type UpstreamLimits } from './upstream-options.js';

/** What every hosted tool handler needs: the server's settings and validated upstream limits. */
export interface HostedToolContext {
  /** Frozen copy of the setting values, read at call time. */
  readonly settings: Readonly<Record<string, string>>;
  /** Timeout, size cap and origin overrides for upstream calls. */
  readonly limits: UpstreamLimits;
}

/** Validates options once per `createServer` call; throws an Error naming the bad field. */
export function createToolContext(options: HostedServerOptions): HostedToolContext {
  if (options === null || typeof options !== 'object' || options.settings === null || typeof options.settings !== 'object') {
    throw new Error('hosted server options must include a settings object');
  }
  return Object.freeze({ settings: Object.freeze({ ...options.settings }), limits: resolveUpstreamLimits(options) });
}
