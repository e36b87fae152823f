import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { addMcpServer } from '../../helpers/mcp.js';
import { followAuthorization, startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';

const REDIRECT = 'http://127.0.0.1:1/callback';

/** The SDK's OAuth client side, kept in memory: a native app with a loopback redirect (RFC 8252). */
class MemoryAuthProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier?: string;
  authorizationUrl?: URL;

  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'agate oauth test', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', application_type: 'native' } as OAuthClientMetadata;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier!;
  }
}

describe('the MCP SDK client completes the OAuth flow through agate', () => {
  let gw: TestGateway;
  let idp: TestOidcProvider;
  let upstream: RemoteMcpUpstream;

  beforeAll(async () => {
    idp = await startOidcProvider();
    upstream = await startRemoteMcpUpstream();
    gw = await startTestGateway();
    const backend = { kind: 'remote' as const, url: upstream.url, transport: 'streamable-http' as const, headers: {} };
    await addMcpServer(gw, { name: 'notes', backend, auth: { type: 'oauth', issuer: idp.issuer, scopes: ['mcp:tools'] } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await idp?.close();
  });

  it('serves the only protected resource’s metadata at the bare well-known path too', async () => {
    const doc = await (await fetch(`${gw.url}/.well-known/oauth-protected-resource`)).json();
    expect(doc).toMatchObject({ resource: `${gw.url}/mcp/notes`, authorization_servers: [idp.issuer] });
  });

  it('discovers from the 401, registers, authorizes with PKCE for this resource, and calls a tool', async () => {
    const url = new URL(`${gw.url}/mcp/notes`);
    const auth = new MemoryAuthProvider();
    idp.nextAccount = 'alice';
    const first = new Client({ name: 'oauth-test', version: '1.0.0' });
    await expect(first.connect(new StreamableHTTPClientTransport(url, { authProvider: auth }))).rejects.toBeInstanceOf(UnauthorizedError);
    // Dynamic client registration at the provider (RFC 7591) happened, and the browser would now open:
    expect(auth.info?.client_id).toBeTruthy();
    const authorization = auth.authorizationUrl!;
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('resource')).toBe(url.href); // RFC 8707, from the resource metadata
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('scope')).toContain('mcp:tools'); // from the 401's scope
    const callback = await followAuthorization(authorization, REDIRECT);
    const transport = new StreamableHTTPClientTransport(url, { authProvider: auth });
    await transport.finishAuth(callback.searchParams.get('code')!);
    const token = decodeJwt(auth.saved!.access_token);
    expect(token).toMatchObject({ iss: idp.issuer, aud: url.href, sub: 'alice' });

    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'through oauth' } });
    expect(JSON.stringify(result.content)).toContain('through oauth');
    await client.close();
    // The access token stayed at the gateway.
    for (const r of upstream.requests) expect(JSON.stringify(r.headers)).not.toContain(auth.saved!.access_token.split('.')[2]!);
  });
});
