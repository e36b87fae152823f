import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../../helpers/gateway.js';
import { addMcpServer } from '../../../../helpers/mcp.js';
import { envelope, META, modernPost } from '../../../../helpers/mcp-modern.js';
import { CLIENT_SECRET, followAuthorization, startOidcProvider, type TestOidcProvider } from '../../../../helpers/oidc-provider.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';

// The per-user token vault for 2026-07-28 clients: -32042 is 2025-11-25 only (basic/index.mdx), so a modern client
// that declared URL elicitation is asked the 2026 way, with an input_required result carrying a URL-mode
// elicitation (mrtr.mdx, client/elicitation.mdx §URL Mode); after consent, its retry carries its own token.

type Seen = RemoteMcpUpstream['requests'][number];
const bearerOf = (r: Seen) => String(r.headers.authorization).replace(/^Bearer /, '');
const URL_MODE = { elicitation: { url: {} } };

describe('the token vault asks 2026-07-28 clients with input_required (MRTR)', () => {
  let op: TestOidcProvider;
  let upstream: RemoteMcpUpstream;
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    op = await startOidcProvider();
    const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
    upstream = await startRemoteMcpUpstream(1, 0, {
      authorize: async (authorization) => {
        const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
        return token ? jwtVerify(token, jwks, { issuer: op.issuer, audience: upstream.url }).then(() => true, () => false) : false;
      },
    });
    gw = await startTestGateway();
    op.addCodeClient('agate-vault', `${gw.url}/oauth/vault/callback`);
    gw.registry.secrets.put('vault-client', CLIENT_SECRET, 'cli');
    for (const name of ['alice', 'bob']) {
      gw.registry.consumers.store.create({ name }, 'cli');
      keys[name] = gw.registry.consumers.issueKey(name, 'cli').key;
    }
    const upstreamAuth = { type: 'authorization_code' as const, issuer: op.issuer, clientId: 'agate-vault', clientSecret: 'vault-client', scope: 'mcp:tools', resource: upstream.url };
    await addMcpServer(gw, { name: 'files', backend: { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, upstreamAuth } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await op?.close();
  });

  /** A 2026 tools/call of `echo` as `who`, with the client capabilities given, and input responses on a retry. */
  const call = (who: string, message: string, more: { capabilities?: object; inputResponses?: object } = {}) =>
    modernPost(
      gw,
      'files',
      { method: 'tools/call', params: { name: 'echo', arguments: { message }, ...(more.inputResponses ? { inputResponses: more.inputResponses } : {}), _meta: envelope({ [META.clientCapabilities]: more.capabilities ?? URL_MODE }) } },
      { 'x-api-key': keys[who]! },
    );

  /** The one URL-mode elicitation of an input_required result, checked against mrtr.mdx and elicitation.mdx. */
  function consentRequest(res: Awaited<ReturnType<typeof call>>): { key: string; url: string } {
    expect(res.status).toBe(200);
    expect(res.json.error).toBeUndefined();
    expect(res.json.result.resultType).toBe('input_required');
    const entries = Object.entries(res.json.result.inputRequests as Record<string, { method: string; params: { mode: string; url: string; message: string } }>);
    expect(entries).toHaveLength(1);
    const [key, request] = entries[0]!;
    expect(request.method).toBe('elicitation/create');
    expect(request.params.mode).toBe('url');
    expect(typeof request.params.message).toBe('string');
    expect(request.params.url.startsWith(`${gw.url}/oauth/vault/start?state=`)).toBe(true);
    return { key, url: request.params.url };
  }

  it('alice and bob each get their own consent link; after alice consents her retry carries her token, bob is asked again', async () => {
    const before = upstream.requests.length;
    const [alice, bob] = (await Promise.all([call('alice', 'alice-0'), call('bob', 'bob-0')])).map(consentRequest);
    expect(alice!.url).not.toBe(bob!.url);
    op.nextAccount = 'alice';
    const callback = await followAuthorization(new URL(alice!.url), `${gw.url}/oauth/vault/callback`);
    expect((await fetch(callback)).status).toBe(200);
    const [retried, bobAgain] = await Promise.all([
      call('alice', 'alice-1', { inputResponses: { [alice!.key]: { action: 'accept' } } }),
      call('bob', 'bob-1', { inputResponses: { [bob!.key]: { action: 'accept' } } }),
    ]);
    expect(retried.status).toBe(200);
    expect(retried.json.result.resultType).toBe('complete');
    expect(retried.json.result.content[0].text).toBe('gen1: alice-1');
    // Bob never consented: a fresh link, not alice's, and nothing of his reached the upstream.
    expect(consentRequest(bobAgain).url).not.toBe(alice!.url);
    const calls = upstream.requests.slice(before).filter((r) => (r.body as { method?: string } | undefined)?.method === 'tools/call');
    expect(calls).toHaveLength(1);
    expect(decodeJwt(bearerOf(calls[0]!)).sub).toBe('alice');
  });

  it('a 2026 client that did not declare URL elicitation gets the consent error naming the link, not an input request it cannot answer', async () => {
    const res = await call('bob', 'bob-2', { capabilities: { elicitation: { form: {} } } });
    expect(res.json.result).toBeUndefined();
    expect(res.json.error.data.code).toBe('GW_ERR_UPSTREAM_CONSENT_REQUIRED');
    expect(res.json.error.message).toContain(`${gw.url}/oauth/vault/start?state=`);
  });
});
