import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

/** Scopes the test resource servers offer. */
export const RESOURCE_SCOPES = 'mcp:tools mcp:admin';

/** A signing key of the provider: its private JWK (for crafted tokens) and its kid. */
export interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A certified OpenID Provider (oidc-provider) on 127.0.0.1:0, issuing RS256 JWT access tokens for resources. */
export interface TestOidcProvider {
  /** The issuer identifier (`http://127.0.0.1:<port>`, no trailing slash). */
  readonly issuer: string;
  /** The key it signs with now (replaced by `rotateKey`). */
  key: SigningKey;
  /** Requests its JWKS endpoint served. */
  jwksRequests: number;
  /** The grants the token endpoint issued tokens for (`grant_type` of each successful token request), in order. */
  readonly tokenRequests: Array<{ grant_type: string }>;
  /** The account the next interactive login signs in as. */
  nextAccount: string;
  /** While set, every request waits this promise out first (a hanging IdP). */
  hang?: Promise<void>;
  /** Registers a confidential client allowed the client_credentials grant; its tokens' `sub` is its id. */
  addClient(clientId: string, scope: string): void;
  /**
   * Registers a confidential client (secret CLIENT_SECRET, client_secret_basic) allowed the authorization code
   * grant (PKCE, as every client here) and refresh tokens, redirecting only to `redirectUri`.
   */
  addCodeClient(clientId: string, redirectUri: string): void;
  /** A client_credentials access token (JWT) for `resource` with `scope`. */
  clientToken(clientId: string, resource: string, scope: string): Promise<string>;
  /** Signs `claims` with the provider's key (or `key`), header `{ alg: RS256, kid, typ: at+jwt }` unless overridden. */
  sign(claims: JWTPayload, header?: Record<string, unknown>, key?: SigningKey): Promise<string>;
  /** Replaces the signing key (new kid): new tokens and the JWKS use only the new one. */
  rotateKey(): Promise<SigningKey>;
  /** A new key that the provider never published (an unknown kid). */
  foreignKey(): Promise<SigningKey>;
  close(): Promise<void>;
}

/** The secret of every client `addClient` registers. */
export const CLIENT_SECRET = 'a-client-secret-of-enough-length-0123456789';

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `k-${Math.random().toString(36).slice(2, 10)}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateJwk, privateKey: privateKey as CryptoKey, publicJwk };
}

/** Starts the provider; `resources` limits which resource indicators it issues tokens for (all when absent). */
export async function startOidcProvider(): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Array<Record<string, unknown>> = [];
  let provider: Provider;
  const state: TestOidcProvider = {
    issuer,
    key: await newSigningKey(),
    jwksRequests: 0,
    tokenRequests: [],
    nextAccount: 'alice',
    addClient(clientId, scope) {
      clients.push({ client_id: clientId, client_secret: CLIENT_SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], ...(scope && { scope }) });
      provider = build(issuer, state, clients);
    },
    addCodeClient(clientId, redirectUri) {
      clients.push({ client_id: clientId, client_secret: CLIENT_SECRET, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: [redirectUri] });
      provider = build(issuer, state, clients);
    },
    async clientToken(clientId, resource, scope) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async sign(claims, header, key = state.key) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...header } as never).sign(key.privateKey);
    },
    async rotateKey() {
      state.key = await newSigningKey();
      provider = build(issuer, state, clients);
      return state.key;
    },
    foreignKey: newSigningKey,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  provider = build(issuer, state, clients);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (state.hang) await state.hang;
      if (req.url === '/jwks') state.jwksRequests++;
      if (req.url?.startsWith('/interaction/')) return login(provider, state, { req, res });
      provider.callback()(req, res);
    })();
  });
  return state;
}

function build(issuer: string, state: TestOidcProvider, clients: Array<Record<string, unknown>>): Provider {
  const provider = new Provider(issuer, {
    clients: clients as never,
    scopes: ['openid', 'offline_access', ...RESOURCE_SCOPES.split(' ')],
    jwks: { keys: [state.key.privateJwk as never] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf?.[0] ?? (undefined as never),
        useGrantedResource: () => true,
        // Resources whose URL ends in `-opaque` get opaque tokens (checked by introspection), the others JWTs; those
        // ending in `-short` get 4-second access tokens (refresh tests).
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: RESOURCE_SCOPES,
          audience: resource,
          ...(resource.endsWith('-short') && { accessTokenTTL: 4 }),
          ...(resource.endsWith('-opaque') ? { accessTokenFormat: 'opaque' } : { accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
        }),
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the grant (not only with offline_access, an OpenID scope).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  } as never);
  provider.on('grant.success', (ctx: { oidc: { params: { grant_type: string } } }) => void state.tokenRequests.push({ grant_type: ctx.oidc.params.grant_type }));
  provider.on('server_error', (_ctx: unknown, err: Error) => console.error('oidc-provider server_error', err));
  return provider;
}

/** The interaction page: signs in as `state.nextAccount`, then consents to whatever the client asked for. */
async function login(provider: Provider, state: TestOidcProvider, exchange: { req: IncomingMessage; res: ServerResponse }): Promise<void> {
  const { req, res } = exchange;
  try {
    const details = await provider.interactionDetails(req, res);
    const prompt = details.prompt as { name: string; details: { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> } };
    if (prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: state.nextAccount } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
}

/**
 * A browser following the authorization redirects with a cookie jar, until the provider sends it to `redirectUri`:
 * returns that final URL (with `code` and `state`).
 */
export async function followAuthorization(url: URL, redirectUri: string): Promise<URL> {
  const jar = new Map<string, string>();
  let next = url;
  for (let hop = 0; hop < 10; hop++) {
    if (next.href.startsWith(redirectUri)) return next;
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get("location");
    if (!location) throw new Error(`authorization stopped at ${next.href}: HTTP ${res.status} ${await res.text()}`);
    next = new URL(location, next);
  }
  throw new Error('too many redirects');
}
