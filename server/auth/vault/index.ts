export { TokenVault, ConsentRequiredError, ConsentRefusedError, VAULT_CALLBACK_PATH, VAULT_START_PATH, type ConsentLink, type VaultKey, type VaultStore } from './token-vault.js';
export type { ConsentEndpoint } from './consent-client.js';
export { vaultIngress, VAULT_PATH_PREFIX } from './vault-http.js';
