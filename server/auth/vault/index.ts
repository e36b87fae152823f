export { TokenVault, ConsentRequiredError, ConsentRefusedError, VAULT_CALLBACK_PATH, VAULT_START_PATH, type ConsentLink, type TokenVaultOptions, type VaultKey, type VaultStore } from './token-vault.js';
export type { ConsentEndpoint } from './consent-client.js';
export { vaultIngress, VAULT_PATH_PREFIX } from './vault-http.js';
export { CONSENT_TTL_MS, ConsentStoreUnavailableError, LocalConsentStates, type ConsentStateStore, type ConsentSubject } from './consent-states.js';
export { RedisConsentStates } from './redis-consent-states.js';
export { openConsentStates } from './open-consent-states.js';
