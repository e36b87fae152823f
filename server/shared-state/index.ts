// Redis classes are exported as types only: importing their modules loads ioredis, which only `--redis` needs
// (redis-shared-state.ts imports them on demand; tests import them from their own files).
export type { RedisConnection, RedisConnectionOptions, SharedStoreHealth, SharedStoreState } from './redis-connection.js';
export { LocalKeyShare, type KeyShare, type RedisKeyShare } from './key-share.js';
export { openSharedState, type SharedState, type SharedStateOptions } from './shared-state.js';
export { withDeadline } from './deadline.js';
export { FIRST_CONNECT_WAIT_MS } from './redis-ready.js';
export { SOLE_REPLICA, type ReplicaCount } from './replica-count.js';
