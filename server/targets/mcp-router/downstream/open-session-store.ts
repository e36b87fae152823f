import type { RedisConnection } from '../../../shared-state/index.js';
import type { SessionStoreSettings } from '../target.js';
import { RedisSessionStore } from './redis-session-store.js';
import { RedisExchangeRelay, type ExchangeRelay } from './exchange-relay.js';
import type { SealingBox } from './session-seal.js';
import type { SessionStore } from './session-store.js';

/** The HKDF purpose of the key that seals session state: a key of its own, derived from the registry's. */
const SEAL_PURPOSE = 'agate mcp session state v1';

/**
 * The session store the gateway runs with: in Redis when it has a Redis connection (`agate serve --redis`), so
 * any replica serves any session; undefined (the target's in-process store) otherwise.
 */
export function mcpSessionStore(
  redis: RedisConnection | undefined,
  registryBox: () => SealingBox & { derive(purpose: string): SealingBox },
): ((settings: SessionStoreSettings) => SessionStore) | undefined {
  if (!redis) return undefined;
  return (settings) => new RedisSessionStore({ ...settings, client: redis.client, box: registryBox().derive(SEAL_PURPOSE), onError: (err) => redis.noteError(err) });
}

/** The HKDF purpose of the key that seals MRTR requestState (2026-07-28): another key again, from the registry's. */
const REQUEST_STATE_PURPOSE = 'agate mcp request state v1';

/** The box that seals 2026-07-28 requestState, from the registry's key (the same on every replica). */
export function requestStateBox(registryBox: SealingBox & { derive(purpose: string): SealingBox }): SealingBox {
  return registryBox.derive(REQUEST_STATE_PURPOSE);
}

/** The relay that takes a 2026 retry to the replica holding its exchange: over Redis when there is one, else none. */
export function mcpExchangeRelay(redis: RedisConnection | undefined): ((replica: string) => ExchangeRelay) | undefined {
  if (!redis) return undefined;
  return (replica) => new RedisExchangeRelay(redis.client, { replica, onError: (err) => redis.noteError(err) });
}
