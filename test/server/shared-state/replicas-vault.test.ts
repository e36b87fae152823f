import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, ErrorCode, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { waitFor, type TestGateway } from '../../helpers/gateway.js';
import { envelope, META, modernPost } from '../../helpers/mcp-modern.js';
import { CLIENT_SECRET, followAuthorization, startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { startReplicas, stopReplicas } from '../../helpers/replicas.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from '../../helpers/round-robin-balancer.js';
import type { ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The per-user token vault across three `agate serve --redis` replicas (issue 16). One public name (a balancer
// that keeps the Host and lets the test say which replica each request reaches): a user's MCP session is on one
// replica, the browser opening the consent link reaches another, the authorization server's redirect a third.
// oidc-provider is the upstream's authorization server; the upstream accepts only JWTs it signed for it.

const URL_MODE = { elicitation: { url: {} } } as never;
const A = 0;
const B = 1;
const C = 2;

type Seen = RemoteMcpUpstream['requests'][number];
const messageOf = (r: Seen) => (r.body as { params?: { arguments?: { message?: string } } }).params?.arguments?.message;
const subOfCall = (upstream: RemoteMcpUpstream, message: string) => {
  const seen = upstream.requests.find((r) => (r.body as { method?: string } | undefined)?.method === 'tools/call' && messageOf(r) === message);
  return seen && decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, '')).sub;
};

describe.skipIf(skipWithoutRedis)('token vault consent across three replicas (Redis, no stickiness)', () => {
  let redis: TestRedis;
  let op: TestOidcProvider;
  let upstream: RemoteMcpUpstream;
  let front: RoundRobinBalancer;
  let replicas: ServeProcess[] = [];
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  const dir = tempDir('agate-replicas-vault-');
  /** Where the front sends each kind of request: MCP by consumer, the link and the callback as the test says. */
  const route = { mcp: { alice: A, bob: B, carol: C } as Record<string, number>, start: B, callback: C };
  const callbackUrl = () => `${front.url}/oauth/vault/callback`;

  beforeAll(async () => {
    redis = await startTestRedis();
    op = await startOidcProvider();
    const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
    upstream = await startRemoteMcpUpstream(1, 0, {
      authorize: async (authorization) => {
        const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
        return token !== undefined && jwtVerify(token, jwks, { issuer: op.issuer, audience: [upstream.url, `${upstream.url}-short`] }).then(() => true, () => false);
      },
    });
    const db = join(dir.dir, 'agate.db');
    const registry = Registry.open(db);
    registry.secrets.put('vault-client', CLIENT_SECRET, 'cli');
    const auth = { type: 'authorization_code', issuer: op.issuer, clientId: 'agate-vault', clientSecret: 'vault-client', scope: 'mcp:tools' };
    for (const [name, resource] of [['files', upstream.url], ['notes', `${upstream.url}-short`]] as const) {
      const backend = { kind: 'remote', url: upstream.url, transport: 'streamable-http', headers: {}, upstreamAuth: { ...auth, resource } };
      registry.mcpServers.create({ name, backend, enabled: true } as never, 'cli');
    }
    for (const name of ['alice', 'bob', 'carol']) {
      registry.consumers.store.create({ name }, 'cli');
      keys[name] = registry.consumers.issueKey(name, 'cli').key;
    }
    registry.close();
    replicas = await startReplicas(db, 3, redis.url);
    const keyOwner = (key: unknown) => Object.keys(keys).find((k) => keys[k] === key)!;
    front = await startRoundRobinBalancer(
      replicas.map((r) => r.url),
      {
        keepHost: true,
        pick: (req) => {
          const path = req.url ?? '/';
          if (path.startsWith('/oauth/vault/start')) return route.start;
          if (path.startsWith('/oauth/vault/callback')) return route.callback;
          return route.mcp[keyOwner(req.headers['x-api-key'])] ?? A;
        },
      },
    );
    op.addCodeClient('agate-vault', callbackUrl());
  }, 120_000);

  afterAll(async () => {
    if (process.env.AGATE_TEST_STDERR) for (const r of replicas) console.log(r.stderr());
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await stopReplicas(replicas);
    await front?.close();
    await upstream?.close();
    await op?.close();
    await redis?.close();
    dir.cleanup();
  });

  /** An official SDK client (URL elicitation declared) of `/mcp/<server>` through the front, collecting completions. */
  async function connectAs(who: string, server = 'files'): Promise<{ client: Client; completed: string[] }> {
    const client = new Client({ name: `client-${who}`, version: '1.0.0' }, { capabilities: URL_MODE });
    const completed: string[] = [];
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => void completed.push(n.params.elicitationId));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${front.url}/mcp/${server}`), { requestInit: { headers: { 'x-api-key': keys[who]! } } }));
    clients.push(client);
    return { client, completed };
  }

  /** The call's URLElicitationRequiredError (2025-11-25 -32042): the consent link and its elicitation id. */
  async function elicitation(client: Client, message: string): Promise<{ url: string; elicitationId: string }> {
    const err = await client.callTool({ name: 'echo', arguments: { message } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UrlElicitationRequiredError);
    expect((err as UrlElicitationRequiredError).code).toBe(ErrorCode.UrlElicitationRequired);
    const [first] = (err as UrlElicitationRequiredError).elicitations;
    expect(first!.url.startsWith(`${front.url}/oauth/vault/start?state=`)).toBe(true);
    return first as { url: string; elicitationId: string };
  }

  /** The browser opens `link` on replica `on`, signs in as `account` and consents: the callback URL it is sent to. */
  async function authorize(link: string, account: string, on: number): Promise<URL> {
    route.start = on;
    op.nextAccount = account;
    return followAuthorization(new URL(link), callbackUrl());
  }

  /** The authorization server's redirect reaching replica `on`. */
  async function callback(url: URL | string, on: number): Promise<{ status: number; code?: string; text: string }> {
    route.callback = on;
    const res = await fetch(url, { redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, text, code: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined };
  }

  /** Opening a link on replica `on` (the redirect not followed). */
  async function open(link: string, on: number): Promise<{ status: number; code?: string }> {
    route.start = on;
    const res = await fetch(link, { redirect: 'manual' });
    const body = res.status === 302 ? undefined : ((await res.json()) as { error?: { code?: string } });
    // A 503 says when to try again (RFC 9110 §10.2.3).
    if (res.status === 503) expect(res.headers.get('retry-after')).toBe('1');
    return { status: res.status, code: body?.error?.code };
  }

  const used: { links: string[]; callbacks: URL[] } = { links: [], callbacks: [] };

  it('alice (session on A, link opened on B, callback on C) and bob (B, C, A) interleaved: each is told on the session that asked, and each retry carries its own token', async () => {
    const [alice, bob] = await Promise.all([connectAs('alice'), connectAs('bob')]);
    const [aliceAsk, bobAsk] = await Promise.all([elicitation(alice.client, 'alice-0'), elicitation(bob.client, 'bob-0')]);
    const aliceBack = await authorize(aliceAsk.url, 'alice', B);
    const bobBack = await authorize(bobAsk.url, 'bob', C);
    expect(await callback(bobBack, A)).toMatchObject({ status: 200 });
    expect(await callback(aliceBack, C)).toMatchObject({ status: 200 });
    await waitFor(() => alice.completed.includes(aliceAsk.elicitationId) && bob.completed.includes(bobAsk.elicitationId), 'notifications/elicitation/complete on both sessions');
    expect(alice.completed).toEqual([aliceAsk.elicitationId]);
    expect(bob.completed).toEqual([bobAsk.elicitationId]);
    const [aliceRetry, bobRetry] = await Promise.all([alice.client.callTool({ name: 'echo', arguments: { message: 'alice-1' } }), bob.client.callTool({ name: 'echo', arguments: { message: 'bob-1' } })]);
    expect(JSON.stringify(aliceRetry)).toContain('alice-1');
    expect(JSON.stringify(bobRetry)).toContain('bob-1');
    expect(subOfCall(upstream, 'alice-1')).toBe('alice');
    expect(subOfCall(upstream, 'bob-1')).toBe('bob');
    // Every MCP request of each session went to its own replica; the links and callbacks to the others.
    const served = (path: string) => front.log.filter((r) => r.path.startsWith(path)).map((r) => r.backend);
    expect(served('/oauth/vault/start')).toEqual([B, C]);
    expect(served('/oauth/vault/callback')).toEqual([A, C]);
    used.links.push(aliceAsk.url, bobAsk.url);
    used.callbacks.push(aliceBack, bobBack);
  });

  it('a link or callback state used once is refused on every replica', async () => {
    expect(used.links).toHaveLength(2);
    for (const link of used.links) for (const on of [A, B, C]) expect(await open(link, on)).toEqual({ status: 400, code: 'GW_ERR_VAULT_CONSENT_REFUSED' });
    for (const back of used.callbacks) for (const on of [A, B, C]) expect(await callback(back, on)).toMatchObject({ status: 400, code: 'GW_ERR_VAULT_CONSENT_REFUSED' });
  });

  it("a state minted for alice cannot complete bob's authorization: his code under her state is refused, and his own state still completes for him", async () => {
    const [alice, bob] = await Promise.all([connectAs('alice', 'notes'), connectAs('bob', 'notes')]);
    const [aliceAsk, bobAsk] = await Promise.all([elicitation(alice.client, 'alice-n0'), elicitation(bob.client, 'bob-n0')]);
    const aliceBack = await authorize(aliceAsk.url, 'alice', C);
    const bobBack = await authorize(bobAsk.url, 'bob', A);
    const mixed = new URL(bobBack);
    mixed.searchParams.set('state', aliceBack.searchParams.get('state')!);
    // Alice's flow holds her PKCE verifier: bob's code is not redeemed with it (RFC 7636 §4.6), nothing is stored.
    expect(await callback(mixed, B)).toMatchObject({ status: 400, code: 'GW_ERR_VAULT_CONSENT_REFUSED' });
    // This time the callback reaches the replica that holds bob's session (B): it tells the session itself.
    expect(await callback(bobBack, B)).toMatchObject({ status: 200 });
    await waitFor(() => bob.completed.includes(bobAsk.elicitationId), 'bob told of his consent');
    const bobRetry = await bob.client.callTool({ name: 'echo', arguments: { message: 'bob-n1' } });
    expect(JSON.stringify(bobRetry)).toContain('bob-n1');
    expect(subOfCall(upstream, 'bob-n1')).toBe('bob');
    // Alice has no token: she is asked again, and was never told of a consent.
    await elicitation(alice.client, 'alice-n1');
    expect(alice.completed).toEqual([]);
  });

  it('an expired link is refused (Redis expired it)', async () => {
    const carol = await connectAs('carol');
    const ask = await elicitation(carol.client, 'carol-0');
    const raw = new Redis(redis.url);
    try {
      // The link's key lapses as it would after 10 minutes.
      const linkKeys = await raw.keys('agate:vault:*:link:*');
      expect(linkKeys.length).toBeGreaterThan(0);
      for (const key of linkKeys) await raw.pexpire(key, 1);
      await waitFor(async () => (await raw.exists(...linkKeys)) === 0, 'the link keys to lapse');
    } finally {
      raw.disconnect();
    }
    expect(await open(ask.url, B)).toEqual({ status: 400, code: 'GW_ERR_VAULT_CONSENT_REFUSED' });
  });

  it('a 2026-07-28 client (no session): asked on C, the link opened on A, the callback on B; its retry on A carries its own token', async () => {
    const front26 = { url: front.url } as TestGateway;
    const call = (message: string, inputResponses?: object) =>
      modernPost(front26, 'files', { method: 'tools/call', params: { name: 'echo', arguments: { message }, ...(inputResponses && { inputResponses }), _meta: envelope({ [META.clientCapabilities]: URL_MODE }) } }, { 'x-api-key': keys.carol! });
    route.mcp.carol = C;
    const asked = await call('carol-m0');
    expect(asked.json.result?.resultType).toBe('input_required');
    const [key, request] = Object.entries(asked.json.result.inputRequests as Record<string, { params: { mode: string; url: string } }>)[0]!;
    expect(request!.params).toMatchObject({ mode: 'url', url: expect.stringMatching(/\/oauth\/vault\/start\?state=/) });
    expect(await callback(await authorize(request!.params.url, 'carol', A), B)).toMatchObject({ status: 200 });
    route.mcp.carol = A;
    const retried = await call('carol-m1', { [key]: { action: 'accept' } });
    expect(retried.json.result).toMatchObject({ resultType: 'complete', content: [{ text: 'gen1: carol-m1' }] });
    expect(subOfCall(upstream, 'carol-m1')).toBe('carol');
  });

  it('Redis stopped: link and callback answer 503 GW_ERR_VAULT_STORE_UNAVAILABLE at once; once Redis is back the flow works again', async () => {
    const carol = await connectAs('carol', 'notes');
    const ask = await elicitation(carol.client, 'carol-n0');
    await redis.stop();
    try {
      for (const on of [A, B, C]) {
        const started = Date.now();
        expect(await open(ask.url, on)).toEqual({ status: 503, code: 'GW_ERR_VAULT_STORE_UNAVAILABLE' });
        expect(await callback(`${callbackUrl()}?state=${'s'.repeat(43)}&code=c`, on)).toMatchObject({ status: 503, code: 'GW_ERR_VAULT_STORE_UNAVAILABLE' });
        expect(Date.now() - started).toBeLessThan(2_000);
      }
      // Carol's session is held by its replica (no Redis needed to serve it), but no new link can be made.
      const refused = (await carol.client.callTool({ name: 'echo', arguments: { message: 'carol-down' } }).catch((e: unknown) => e)) as { code?: number; data?: { code?: string } };
      expect(refused).toMatchObject({ code: ErrorCode.InternalError, data: { code: 'GW_ERR_VAULT_STORE_UNAVAILABLE' } });
    } finally {
      await redis.restart();
    }
    // Each replica reconnects by itself (within a second): until it has, it answers 503, then a forged link is a 400.
    for (const on of [A, B, C]) await waitFor(async () => (await open(`${front.url}/oauth/vault/start?state=${'p'.repeat(43)}`, on)).status === 400, `replica ${on} to reach Redis again`, 10_000);
    // A fresh Redis holds nothing (no sessions, no links): a new session on A, its link opened on C, the callback on B.
    route.mcp.carol = A;
    const again = await waitFor(async () => connectAs('carol', 'notes').catch(() => undefined), 'a new MCP session once Redis is back');
    const fresh = await elicitation(again.client, 'carol-n1');
    expect(await callback(await authorize(fresh.url, 'carol', C), B)).toMatchObject({ status: 200 });
    await waitFor(() => again.completed.includes(fresh.elicitationId), 'carol told of her consent');
    expect(JSON.stringify(await again.client.callTool({ name: 'echo', arguments: { message: 'carol-n2' } }))).toContain('carol-n2');
    expect(subOfCall(upstream, 'carol-n2')).toBe('carol');
  });
});
