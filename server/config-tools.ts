/**
 * The CLI's second door into server/: what commands need without starting a gateway (write-time config checks,
 * MCP URLs, password hashing, the provider catalogue, Redis URLs). server/index.ts loads the whole gateway, so `agate serve`
 * imports it on demand; a CLI write loads only this, and the compiler part it checks loads lazily.
 */
import type { Subsystem, SubsystemCheck } from './snapshot/config-check.js';

export { hashPassword } from './auth/password.js';
export { getProvider, PROVIDERS } from './targets/llm-router/providers/index.js';
export { mcpServerUrls } from './targets/mcp-router/urls.js';
export { checkRedisUrl, RedisUrlError } from './shared-state/redis-url.js';
export { configCheck, type Subsystem, type SubsystemCheck } from './snapshot/config-check.js';

/** The snapshot compiler's check of one subsystem, loaded on first use (`agate route add` pays only for HTTP). */
export async function loadSubsystemCheck(subsystem: Subsystem): Promise<SubsystemCheck> {
  if (subsystem === 'http') return (await import('./snapshot/check-http.js')).checkHttp;
  if (subsystem === 'llm') return (await import('./snapshot/check-llm.js')).checkLlm;
  return (await import('./snapshot/check-mcp.js')).mcpCheck();
}
