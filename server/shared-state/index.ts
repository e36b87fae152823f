export { DEFAULT_COMMAND_TIMEOUT_MS, RedisConnection, redactUrl, type RedisConnectionOptions, type SharedStoreHealth, type SharedStoreState } from './redis-connection.js';
export { LocalKeyShare, RedisKeyShare, type KeyShare } from './key-share.js';
export { openSharedState, type SharedState, type SharedStateOptions } from './shared-state.js';
export { withDeadline } from './deadline.js';
export { SOLE_REPLICA, type ReplicaCount } from './replica-count.js';
