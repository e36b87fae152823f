import type { RedisConnection } from '../../shared-state/index.js';
import type { SealingBox } from '../../targets/mcp-router/downstream/session-seal.js';
import type { ConsentStateStore } from './consent-states.js';
import { RedisConsentStates } from './redis-consent-states.js';

/** The HKDF purpose of the key that seals consent flows' PKCE verifiers in Redis: a key of its own, from the registry's. */
const SEAL_PURPOSE = 'agate vault consent flow v1';

/**
 * The vault's consent states: in Redis when the gateway has a Redis connection (`agate serve --redis`), so a link
 * made on one replica opens on any other and any replica takes the callback; undefined (the vault's in-process
 * store) otherwise.
 */
export function openConsentStates(redis: RedisConnection | undefined, registryBox: () => SealingBox & { derive(purpose: string): SealingBox }): ConsentStateStore | undefined {
  return redis && new RedisConsentStates({ connection: redis, box: registryBox().derive(SEAL_PURPOSE) });
}
