import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ElicitRequestSchema, LoggingMessageNotificationSchema, type JSONRPCMessage, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../../../registry/index.js';
import { everythingFactory } from '../../../../helpers/everything-server.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../../../../helpers/loopback-upstream.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from '../../../../helpers/round-robin-balancer.js';
import { startReplicas, stopReplicas } from '../../../../helpers/replicas.js';
import type { ServeProcess } from '../../../../helpers/serve.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

// Three `agate serve --redis` processes behind a round-robin balancer without stickiness (issue 16): a legacy
// HTTP+SSE (2024-11-05) session, whose only stream is held by one replica, works with every POST on another.

const NOTIFIER = fileURLToPath(new URL('../../../../fixtures/stdio/notifier.mjs', import.meta.url));
const REPLICAS = 3;

/** One SSE client through the balancer: what the gateway sent it. */
interface SseUser {
  readonly name: string;
  readonly client: Client;
  /** `notifications/message` data `n`, in arrival order. */
  readonly logs: number[];
  /** Every message the stream carried, in order. */
  readonly wire: JSONRPCMessage[];
  /** The session id the gateway's `endpoint` event named. */
  sessionId: string;
  /** The replica holding its SSE stream. */
  holder: number;
}

describe.skipIf(skipWithoutRedis)('legacy HTTP+SSE MCP sessions across three replicas (Redis, no sticky balancing)', () => {
  let redis: TestRedis;
  let rest: LoopbackUpstream;
  let remote: RemoteMcpUpstream;
  let everything: RemoteMcpUpstream;
  let balancer: RoundRobinBalancer;
  let replicas: ServeProcess[] = [];
  let redisClient: Redis;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  const dir = tempDir('agate-sse-replicas-');

  beforeAll(async () => {
    redis = await startTestRedis();
    rest = await startUpstream('weather', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"sky":"clear"}'));
    remote = await startRemoteMcpUpstream(1);
    everything = await startRemoteMcpUpstream(1, 0, { server: await everythingFactory() });
    const db = join(dir.dir, 'agate.db');
    const registry = Registry.open(db);
    const config = { server: { name: 'weather' }, tools: [{ name: 'now', description: 'd', args: [], requestTemplate: { url: `${rest.url}/now`, method: 'GET' } }], agate: { allowHosts: ['127.0.0.1'] } };
    registry.mcpServers.create({ name: 'weather', backend: { kind: 'rest', config, settings: {}, secretSettings: {} }, enabled: true } as never, 'cli');
    registry.mcpServers.create({ name: 'remote', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} }, enabled: true } as never, 'cli');
    registry.mcpServers.create({ name: 'everything', backend: { kind: 'remote', url: everything.url, transport: 'streamable-http', headers: {} }, enabled: true } as never, 'cli');
    registry.mcpServers.create({ name: 'notifier', backend: { kind: 'stdio', command: process.execPath, args: [NOTIFIER], env: {}, isolation: 'per-session' }, enabled: true }, 'cli');
    registry.mcpServers.create({ name: 'all', backend: { kind: 'bundle', members: ['weather', 'remote', 'everything', 'notifier'], separator: '___', prefix: 'always' }, enabled: true }, 'cli');
    for (const name of ['alice', 'bob', 'carol']) {
      registry.consumers.store.create({ name }, 'cli');
      keys[name] = registry.consumers.issueKey(name, 'cli').key;
    }
    registry.close();
    // An anonymous idle time of 2 s sweeps sessions every second (no session here is anonymous).
    replicas = await startReplicas(db, REPLICAS, { url: redis.url, args: ['--mcp-anonymous-idle', '2000'] });
    redisClient = new Redis(redis.url);
    balancer = await startRoundRobinBalancer(replicas.map((r) => r.url));
  }, 120_000);

  afterAll(async () => {
    if (process.env.AGATE_TEST_STDERR) for (const r of replicas) console.log(r.stderr());
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    redisClient?.disconnect();
    await stopReplicas(replicas);
    await balancer?.close();
    await everything?.close();
    await remote?.close();
    await rest?.close();
    await redis?.close();
    dir.cleanup();
  });

  const isLive = (i: number) => replicas[i]!.child.exitCode === null && replicas[i]!.child.signalCode === null;
  /** The replica the balancer's next request reaches (it skips replicas that refuse connections). */
  const nextLive = () => {
    let i = balancer.peekNext();
    while (!isLive(i)) i = (i + 1) % REPLICAS;
    return i;
  };
  /** Sends other traffic through the balancer until its next request goes to none of `avoid`. */
  const turnWheelFrom = async (...avoid: number[]) => {
    while (avoid.includes(nextLive())) await fetch(`${balancer.url}/healthz`).then((r) => r.arrayBuffer());
  };
  const sessionOf = (path: string) => new URL(path, 'http://x').searchParams.get('sessionId');
  /** The replicas that took the session's POSTs, in order. */
  const postsOf = (user: SseUser) => balancer.log.filter((r) => r.method === 'POST' && sessionOf(r.path) === user.sessionId).map((r) => r.backend);
  /** Turns the wheel so the user's next POST lands on another replica than its last one. */
  const elsewhere = (user: SseUser) => turnWheelFrom(postsOf(user).at(-1) ?? -1);
  const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content.map((c) => c.text).join('\n');

  /** The v1 SDK's SSE client through the balancer as `name`, declaring elicitation (answered with its own name). */
  async function connect(name: string): Promise<SseUser> {
    const client = new Client({ name: `client-${name}`, version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const headers = { 'x-api-key': keys[name]! };
    const transport = new SSEClientTransport(new URL(`${balancer.url}/mcp/all/sse`), {
      requestInit: { headers },
      eventSourceInit: { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as Record<string, string>), ...headers } }) },
    });
    const user: SseUser = { name, client, logs: [], wire: [], sessionId: '', holder: -1 };
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void user.logs.push((n.params.data as { n: number }).n));
    client.setRequestHandler(ElicitRequestSchema, async () => {
      // The answer goes to another replica than the call that caused the question (and than the stream's).
      await elsewhere(user);
      return { action: 'accept', content: { name } };
    });
    const before = balancer.log.length;
    await client.connect(transport);
    clients.push(client);
    const toClient = transport.onmessage!;
    transport.onmessage = (message) => {
      user.wire.push(message);
      toClient(message);
    };
    const own = balancer.log.slice(before);
    user.holder = own.find((r) => r.method === 'GET')!.backend;
    user.sessionId = sessionOf(own.find((r) => r.method === 'POST')!.path)!;
    return user;
  }

  /** A raw POST of `message` for session `sessionId` to `base` (a replica or the balancer) with `consumer`'s key. */
  async function rawMessage(base: string, sessionId: string, consumer: string, message: unknown) {
    const res = await fetch(`${base}/mcp/all/messages?sessionId=${sessionId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': keys[consumer]! },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(5_000),
    });
    return { status: res.status, body: await res.text() };
  }

  let alice: SseUser;
  let bob: SseUser;

  it('serves two SSE sessions with every POST on another replica than the last, and keeps them apart', async () => {
    alice = await connect('alice');
    // Their streams on two different replicas: killing alice's later must leave bob's.
    await turnWheelFrom(alice.holder);
    bob = await connect('bob');
    expect(bob.holder).not.toBe(alice.holder);
    for (const user of [alice, bob]) {
      await elsewhere(user);
      const { tools } = await user.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['weather___now', 'remote___echo', 'notifier___emit', 'everything___trigger-elicitation-request', 'everything___trigger-long-running-operation']));
    }
    for (let round = 0; round < 2; round++) {
      for (const user of [alice, bob]) {
        await elsewhere(user);
        expect(text(await user.client.callTool({ name: 'weather___now', arguments: {} }))).toContain('clear');
        await elsewhere(user);
        expect(text(await user.client.callTool({ name: 'remote___echo', arguments: { message: `${user.name} ${round}` } }))).toBe(`gen1: ${user.name} ${round}`);
      }
    }
    for (const user of [alice, bob]) {
      const posts = postsOf(user);
      expect(new Set(posts).size).toBe(REPLICAS);
      // After initialize (which the SDK sends with notifications/initialized back to back), no POST of the session
      // went to the replica its previous one went to.
      for (let i = 3; i < posts.length; i++) expect(posts[i]).not.toBe(posts[i - 1]);
    }
  }, 60_000);

  it("delivers a remote member's progress notifications and a stdio member's log messages on the stream, in order", async () => {
    for (const user of [alice, bob]) {
      await elsewhere(user);
      const progress: Progress[] = [];
      const from = user.wire.length;
      const result = await user.client.callTool({ name: 'everything___trigger-long-running-operation', arguments: { duration: 0.4, steps: 4 } }, undefined, { onprogress: (p) => void progress.push(p) });
      expect(text(result)).toContain('Steps: 4');
      // On the stream: the four steps, then the answer. (The SDK client may drop the last step: it handles a
      // notification a microtask later than a response that came in the same chunk, and has forgotten the token.)
      const carried = user.wire.slice(from).map((m) => ('method' in m ? `${m.method} ${(m.params as Progress).progress}` : 'answer'));
      expect(carried).toEqual(['notifications/progress 1', 'notifications/progress 2', 'notifications/progress 3', 'notifications/progress 4', 'answer']);
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.map((p) => [p.progress, p.total])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]].slice(0, progress.length));
      expect(postsOf(user).at(-1)).not.toBe(user.holder);
    }
    const count = 30;
    for (const user of [alice, bob]) {
      // The member process that sends them runs on another replica than the stream's.
      await turnWheelFrom(postsOf(user).at(-1)!, user.holder);
      expect(text(await user.client.callTool({ name: 'notifier___emit', arguments: { count, intervalMs: 5 } }))).toBe(`emitting ${count}`);
      expect(postsOf(user).at(-1)).not.toBe(user.holder);
    }
    for (const user of [alice, bob]) await waitFor(() => user.logs.length >= count, `${user.name}'s ${count} log messages (got ${user.logs.length})`);
    // Each got its own member process's messages, all of them, in the order they were sent.
    expect(alice.logs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(bob.logs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  }, 60_000);

  it("completes a remote member's elicitation answered through another replica than the call's, for each user", async () => {
    for (const user of [alice, bob]) {
      await elsewhere(user);
      const before = postsOf(user).length;
      const result = await user.client.callTool({ name: 'everything___trigger-elicitation-request', arguments: {} });
      expect(text(result)).toMatch(new RegExp(`- Name: ${user.name}\\b`));
      const [call, answer] = postsOf(user).slice(before);
      expect(answer).toBeDefined();
      expect(answer).not.toBe(call);
    }
  }, 60_000);

  it("refuses bob's key with alice's session id on every replica, as it refuses an unknown session", async () => {
    const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
    for (const replica of replicas) {
      const stolen = await rawMessage(replica.url, alice.sessionId, 'bob', list);
      const unknown = await rawMessage(replica.url, '00000000-0000-4000-8000-000000000000', 'bob', list);
      expect([stolen.status, unknown.status]).toEqual([404, 404]);
      const refusal = (body: string) => ({ ...(JSON.parse(body) as { error: object }).error, data: undefined });
      expect(refusal(stolen.body)).toEqual(refusal(unknown.body));
      expect(JSON.parse(stolen.body)).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32001, message: 'Session not found', data: { code: 'GW_ERR_MCP_SESSION_NOT_FOUND' } } });
    }
    // Nothing of it reached alice's stream, and her session goes on.
    await elsewhere(alice);
    expect(text(await alice.client.callTool({ name: 'remote___echo', arguments: { message: 'still mine' } }))).toBe('gen1: still mine');
  }, 30_000);

  /** How many replicas hold a copy of the session (each listens on its channel; docs/deploy.md names the keys). */
  const copiesOf = async (user: SseUser) => Number(((await redisClient.pubsub('NUMSUB', `agate:mcp:{${user.sessionId}}:ch`)) as [string, number])[1]);
  const recordOf = (user: SseUser) => redisClient.exists(`agate:mcp:{${user.sessionId}}`);

  it("ends the sessions of the replica holding their streams when it dies: the next POST gets the unknown-session error on every replica left, copies nobody POSTs to end by themselves, bob goes on", async () => {
    // Carol's stream on the same replica as alice's, her session with copies on the two others; she never POSTs again.
    await turnWheelFrom(...[0, 1, 2].filter((i) => i !== alice.holder));
    const carol = await connect('carol');
    expect(carol.holder).toBe(alice.holder);
    for (let i = 0; i < 2; i++) {
      await turnWheelFrom(carol.holder, postsOf(carol).at(-1)!);
      expect(text(await carol.client.callTool({ name: 'remote___echo', arguments: { message: 'carol' } }))).toBe('gen1: carol');
    }
    expect(await copiesOf(carol)).toBe(REPLICAS);
    replicas[alice.holder]!.child.kill('SIGKILL');
    await replicas[alice.holder]!.exited;
    const call = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'remote___echo', arguments: { message: 'lost' } } };
    for (const i of [0, 1, 2].filter(isLive)) {
      const answer = await rawMessage(replicas[i]!.url, alice.sessionId, 'alice', call);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: -32001, message: 'Session not found', data: { code: 'GW_ERR_MCP_SESSION_NOT_FOUND' } } });
    }
    const through = await rawMessage(balancer.url, alice.sessionId, 'alice', call);
    expect(through.status).toBe(404);
    expect(await recordOf(alice)).toBe(0);
    await waitFor(async () => (await copiesOf(carol)) === 0 && (await recordOf(carol)) === 0, "carol's copies on the replicas left to end without a POST", 10_000);
    for (let i = 0; i < 3; i++) {
      await turnWheelFrom(bob.holder);
      expect(text(await bob.client.callTool({ name: 'remote___echo', arguments: { message: `bob after ${i}` } }))).toBe(`gen1: bob after ${i}`);
    }
  }, 30_000);
});
