import type { VaultTokens } from '../../../registry/index.js';
import { LocalConsentStates, randomToken, type ConsentStateStore, type ConsentSubject } from './consent-states.js';
import { ConsentTokenError, authorizationRequest, pkcePair, redeem, resolveEndpoints, type ConsentEndpoint, type Granted, type ResolvedEndpoints } from './consent-client.js';

/** Where the vault keeps tokens: the registry's `vaultTokens` (sealed per consumer and server). */
export interface VaultStore {
  get(consumer: string, server: string): VaultTokens | undefined;
  put(key: VaultKey, tokens: VaultTokens): void;
  revoke(consumer: string, server: string | undefined, origin?: 'cli' | 'admin-api'): string[];
}

/** One consumer's grant for one MCP server. */
export interface VaultKey {
  readonly consumer: string;
  readonly server: string;
}

/** No usable token is stored for this consumer and server: the user must consent (again). */
export class ConsentRequiredError extends Error {
  override name = 'ConsentRequiredError';
}

/** A consent link or callback that cannot go on: the message says why (never a token). */
export class ConsentRefusedError extends Error {
  override name = 'ConsentRefusedError';
}

/** What a vault is built with besides its token store (read on any replica: a link may be opened on another). */
export interface TokenVaultOptions {
  /** The consent links and flows: in process (the default) or shared by replicas (Redis). */
  readonly states?: ConsentStateStore;
  /** The authorization server of MCP server `server` as configured now; undefined when it no longer uses the vault. */
  readonly endpointOf: (server: string) => ConsentEndpoint | undefined;
  readonly now?: () => number;
}

/** The URL-mode elicitation asking a user to consent (MCP 2025-11-25 client/elicitation). */
export interface ConsentLink {
  readonly url: string;
  readonly elicitationId: string;
}

/** The public base URL of the data plane, as the client reached it (scheme and authority). */
export type PublicBase = string;

/** The callback path the authorization server redirects to (register `<gateway>/oauth/vault/callback` there). */
export const VAULT_CALLBACK_PATH = '/oauth/vault/callback';
/** The link handed to the client. */
export const VAULT_START_PATH = '/oauth/vault/start';

const keyOf = (k: VaultKey) => `${k.consumer}\n${k.server}`;

/**
 * The per-user token vault: upstream tokens a consumer consented to (authorization code + PKCE, RFC 6749 §4.1 /
 * RFC 7636), per (consumer, MCP server), stored sealed, renewed with the refresh token before they lapse (one
 * refresh at a time per consumer and server), forgotten when the refresh token is refused (the user is asked again).
 * One consumer's token is only ever read under that consumer's name.
 */
export class TokenVault {
  private readonly states: ConsentStateStore;
  private readonly now: () => number;
  private readonly endpointOf: (server: string) => ConsentEndpoint | undefined;
  /** Told of every consent stored here, whichever replica made its link (the MCP router tells the session that asked). */
  onConsent: ((subject: ConsentSubject) => void) | undefined;
  private readonly refreshing = new Map<string, Promise<string>>();
  /** Keys whose access token the upstream refused: renewed before the next use. */
  private readonly refused = new Set<string>();
  /** Each endpoint's resolved URLs: the issuer's metadata is read once, not on every consent and refresh. */
  private readonly resolved = new WeakMap<ConsentEndpoint, Promise<ResolvedEndpoints>>();

  constructor(
    private readonly store: VaultStore,
    options: TokenVaultOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.states = options.states ?? new LocalConsentStates(this.now);
    this.endpointOf = options.endpointOf;
  }

  /** The access token of `key` (renewed first when stale); ConsentRequiredError when there is none to be had. */
  token(key: VaultKey, endpoint: ConsentEndpoint): Promise<string> {
    const stored = this.store.get(key.consumer, key.server);
    if (!stored) return Promise.reject(new ConsentRequiredError(`no token stored for ${key.consumer} at ${key.server}`));
    const stale = this.refused.has(keyOf(key)) || (stored.refreshAt !== undefined && this.now() >= stored.refreshAt);
    if (!stale) return Promise.resolve(stored.accessToken);
    if (!stored.refreshToken) {
      // Expired (or refused) without a way to renew it: only the user can give a new one.
      if (this.refused.has(keyOf(key)) || (stored.expiresAt !== undefined && this.now() >= stored.expiresAt)) return Promise.reject(this.forget(key));
      return Promise.resolve(stored.accessToken);
    }
    let flight = this.refreshing.get(keyOf(key));
    if (!flight) {
      flight = this.refresh(key, endpoint, stored.refreshToken).finally(() => this.refreshing.delete(keyOf(key)));
      this.refreshing.set(keyOf(key), flight);
    }
    return flight;
  }

  /** The upstream refused `token` (HTTP 401): it is renewed (or the user asked again) before its next use. */
  rejected(key: VaultKey, token: string): void {
    if (this.store.get(key.consumer, key.server)?.accessToken === token) this.refused.add(keyOf(key));
  }

  /** Whether a usable token is stored for `key` (a row that no longer opens counts as none). */
  has(key: VaultKey): boolean {
    return this.store.get(key.consumer, key.server) !== undefined;
  }

  /**
   * A single-use consent link for `key`, valid 10 minutes; once the tokens are stored, `onConsent` hears of it with
   * the session that asked. Rejects with ConsentStoreUnavailableError when the shared store does not answer.
   */
  async consentLink(key: VaultKey, setup: { base: PublicBase; session?: string; notify?: boolean }): Promise<ConsentLink> {
    const elicitationId = randomToken();
    const token = await this.states.link({ consumer: key.consumer, server: key.server, elicitationId, session: setup.session, notify: setup.notify });
    return { url: `${setup.base}${VAULT_START_PATH}?state=${token}`, elicitationId };
  }

  /**
   * Opens a consent link (once): the authorization request's URL to redirect the browser to, with a fresh `state`,
   * PKCE S256 and the resource indicator; the redirect URI is this gateway's callback as the browser reached it.
   */
  async start(linkToken: string, base: PublicBase): Promise<string> {
    const subject = await this.states.takeLink(linkToken);
    if (!subject) throw new ConsentRefusedError('this consent link is unknown, expired or already used; retry the MCP call for a new one');
    const endpoint = this.endpointOf(subject.server);
    if (!endpoint) throw new ConsentRefusedError(`MCP server ${subject.server} no longer uses the token vault`);
    const { authorizationUrl } = await this.endpointsOf(endpoint).catch((err: Error) => {
      throw new ConsentRefusedError(err.message);
    });
    const { verifier, challenge } = pkcePair();
    const redirectUri = `${base}${VAULT_CALLBACK_PATH}`;
    const state = await this.states.flow({ ...subject, verifier, redirectUri });
    return authorizationRequest(endpoint, { authorizationUrl, redirectUri, state, challenge });
  }

  /**
   * The authorization server's redirect (RFC 6749 §4.1.2): checks the state (once), the error, the issuer (RFC 9207),
   * exchanges the code with the PKCE verifier, stores the tokens and tells whoever asked. Returns whose consent it was.
   */
  async callback(query: URLSearchParams): Promise<ConsentSubject> {
    const flow = await this.states.takeFlow(query.get('state') ?? '');
    if (!flow) throw new ConsentRefusedError('state is missing, unknown, expired or already used');
    const endpoint = this.endpointOf(flow.server);
    if (!endpoint) throw new ConsentRefusedError(`MCP server ${flow.server} no longer uses the token vault`);
    const resolved = await this.endpointsOf(endpoint).catch((err: Error) => {
      throw new ConsentRefusedError(err.message);
    });
    // RFC 9207 §2.4: with a configured issuer, an `iss` that differs (or is missing where the server sends it) is a mix-up.
    const iss = query.get('iss');
    if (endpoint.issuer && (iss !== null || resolved.issRequired) && iss !== endpoint.issuer) throw new ConsentRefusedError(`iss ${JSON.stringify(iss)} is not the issuer ${endpoint.issuer} (RFC 9207)`);
    const error = query.get('error');
    if (error !== null) throw new ConsentRefusedError(`the authorization server answered error ${error.slice(0, 100)}`);
    const code = query.get('code');
    if (!code) throw new ConsentRefusedError('the callback carries no code');
    const granted = await redeem(endpoint, resolved.tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: flow.redirectUri, code_verifier: flow.verifier }).catch((err: Error) => {
      throw new ConsentRefusedError(err.message);
    });
    this.keep(flow, granted);
    // The subject only: the verifier stays here (spent now, but a secret all the same).
    const subject: ConsentSubject = { consumer: flow.consumer, server: flow.server, elicitationId: flow.elicitationId, session: flow.session, notify: flow.notify };
    this.onConsent?.(subject);
    return subject;
  }

  private async refresh(key: VaultKey, endpoint: ConsentEndpoint, refreshToken: string): Promise<string> {
    try {
      const { tokenUrl } = await this.endpointsOf(endpoint);
      const granted = await redeem(endpoint, tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken });
      // RFC 6749 §6: a new refresh token may be issued (rotation); else the old one stays.
      this.keep(key, { ...granted, refreshToken: granted.refreshToken ?? refreshToken });
      return granted.accessToken;
    } catch (err) {
      if (err instanceof ConsentTokenError && err.invalidGrant) throw this.forget(key);
      throw err;
    }
  }

  private endpointsOf(endpoint: ConsentEndpoint): Promise<ResolvedEndpoints> {
    let found = this.resolved.get(endpoint);
    if (!found) {
      found = resolveEndpoints(endpoint);
      this.resolved.set(endpoint, found);
      // A failure is not kept: the next consent or refresh reads the metadata again.
      found.catch(() => this.resolved.delete(endpoint));
    }
    return found;
  }

  private keep(key: VaultKey, granted: Granted): void {
    const at = this.now();
    // Renewed a little early (a tenth of its life, at most 30 s), so a call never goes out with a token about to lapse.
    const refreshAt = granted.expiresAt && granted.expiresAt - Math.min(30_000, (granted.expiresAt - at) / 10);
    this.store.put({ consumer: key.consumer, server: key.server }, { ...granted, refreshAt });
    this.refused.delete(keyOf(key));
  }

  /** Deletes a grant that can no longer give a token: the user is asked again. */
  private forget(key: VaultKey): ConsentRequiredError {
    this.store.revoke(key.consumer, key.server);
    this.refused.delete(keyOf(key));
    return new ConsentRequiredError(`the stored grant of ${key.consumer} at ${key.server} can no longer be renewed`);
  }
}
