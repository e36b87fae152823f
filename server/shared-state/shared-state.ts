import { MemoryRateLimitStore } from '../rate-limit/index.js';
import { LocalKeyShare } from './key-share.js';
import { SOLE_REPLICA } from './replica-count.js';
import type { SharedState, SharedStateOptions } from './types.js';

export type { SharedState, SharedStateOptions } from './types.js';

/** The in-process state, or Redis-backed state (loaded only then) when a Redis URL is given. */
export async function openSharedState(o: SharedStateOptions): Promise<SharedState> {
  if (o.redisUrl) return (await import('./redis-shared-state.js')).openRedisSharedState({ ...o, redisUrl: o.redisUrl });
  const keyShare = new LocalKeyShare();
  return { rateLimits: o.rateLimitStore ?? new MemoryRateLimitStore(), keyShare, replicas: SOLE_REPLICA, health: () => undefined, close: async () => keyShare.close() };
}
