// A key-protected MCP endpoint's 401 says what to send, and a standard client with an OAuth provider (the SDK's
// StreamableHTTPClientTransport with an authProvider, as MCP Inspector and mcp-remote use) finds no OAuth to
// discover: every well-known lookup gets a quick 404 and the client gives up with an error, never registering.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../helpers/gateway.js';
import { addMcpServer, rawInitialize, rawPost, initializeRequest } from '../../../helpers/mcp.js';
import { hostedServers } from '../../../../servers/index.js';
import { withClock } from '../../../fixtures/clock-server.js';

describe('401 on a key-protected MCP endpoint', () => {
  let gw: TestGateway;
  let url: string;
  let key: string;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { hostedServers: withClock(hostedServers) } });
    gw.registry.consumers.store.create({ name: 'dora', groups: [] }, 'cli');
    key = gw.registry.consumers.issueKey('dora', 'cli').key;
    await addMcpServer(gw, { name: 'locked', backend: { kind: 'hosted', server: 'clock', settings: {}, secretSettings: {} }, access: { consumers: ['dora'] } });
    url = `${gw.url}/mcp/locked`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it.each([
    ['no credentials', {}, undefined],
    ['a wrong key', { 'x-api-key': 'agk_wrong' }, 'invalid_token'],
  ])('with %s: the challenge names the scheme and what to send (RFC 6750 §3)', async (_n, headers, error) => {
    const res = await rawPost(url, initializeRequest(), headers as Record<string, string>);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer realm="agate"/);
    expect(challenge).toMatch(/error_description="[^"]*x-api-key[^"]*"/);
    if (error) expect(challenge).toContain(`error="${error}"`);
    else expect(challenge).not.toContain('error=');
    expect(challenge).not.toContain('resource_metadata');
  });

  it.each([
    '/.well-known/oauth-protected-resource/mcp/locked',
    '/.well-known/oauth-authorization-server/mcp/locked',
    '/.well-known/openid-configuration/mcp/locked',
    '/mcp/locked/.well-known/openid-configuration',
  ])('GET %s answers 404 at once', async (path) => {
    const started = Date.now();
    const res = await fetch(`${gw.url}${path}`);
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('the SDK client with an authProvider fails fast and never registers or redirects', async () => {
    const calls: string[] = [];
    const seen: Array<{ url: string; status: number }> = [];
    const provider: OAuthClientProvider = {
      get redirectUrl() {
        return 'http://127.0.0.1:1/callback';
      },
      get clientMetadata() {
        return { redirect_uris: ['http://127.0.0.1:1/callback'], client_name: 'probe' };
      },
      clientInformation: () => undefined,
      saveClientInformation: () => void calls.push('saveClientInformation'),
      tokens: () => undefined,
      saveTokens: () => void calls.push('saveTokens'),
      redirectToAuthorization: () => void calls.push('redirectToAuthorization'),
      saveCodeVerifier: () => void calls.push('saveCodeVerifier'),
      codeVerifier: () => '',
    };
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      seen.push({ url: String(input instanceof Request ? input.url : input), status: res.status });
      return res;
    };
    const client = new Client({ name: 'probe', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: recording });
    const started = Date.now();
    await expect(client.connect(transport)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(calls).toEqual([]);
    const discovery = seen.filter((s) => !s.url.endsWith('/mcp/locked'));
    expect(discovery.length).toBeGreaterThan(0);
    expect(discovery.filter((s) => s.status < 400)).toEqual([]);
    // With the key it connects (the challenge told it what to send).
    const ok = await rawInitialize(url, '2025-06-18', { 'x-api-key': key });
    expect(ok.status).toBe(200);
  });
});
