import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { everythingStdio } from '../../../../helpers/everything-server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../../../registry/index.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { rawInitialize, rawPost, rpcMessages } from '../../../../helpers/mcp.js';
import { startUpstream, type LoopbackUpstream } from '../../../../helpers/loopback-upstream.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../../../helpers/redis.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../../../helpers/remote-mcp-upstream.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from '../../../../helpers/round-robin-balancer.js';
import { startReplicas, stopReplicas } from '../../../../helpers/replicas.js';
import type { ServeProcess } from '../../../../helpers/serve.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

// Three `agate serve` processes on one registry file and one Redis, behind a round-robin balancer without any
// stickiness (issue 16): a 2025 MCP session works whichever replica each request lands on.

const NOTIFIER = fileURLToPath(new URL('../../../../fixtures/stdio/notifier.mjs', import.meta.url));
const REPLICAS = 3;

describe.skipIf(skipWithoutRedis)('MCP sessions across three replicas (Redis, no sticky balancing)', () => {
  let redis: TestRedis;
  let rest: LoopbackUpstream;
  let remote: RemoteMcpUpstream;
  let balancer: RoundRobinBalancer;
  let replicas: ServeProcess[] = [];
  const keys: Record<string, string> = {};
  const clients: Client[] = [];
  const dir = tempDir('agate-replicas-');

  beforeAll(async () => {
    redis = await startTestRedis();
    rest = await startUpstream('weather', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"sky":"clear"}'));
    remote = await startRemoteMcpUpstream(1);
    const db = join(dir.dir, 'agate.db');
    const registry = Registry.open(db);
    const config = { server: { name: 'weather' }, tools: [{ name: 'now', description: 'd', args: [], requestTemplate: { url: `${rest.url}/now`, method: 'GET' } }], agate: { allowHosts: ['127.0.0.1'] } };
    registry.mcpServers.create({ name: 'weather', backend: { kind: 'rest', config, settings: {}, secretSettings: {} }, enabled: true } as never, 'cli');
    registry.mcpServers.create({ name: 'remote', backend: { kind: 'remote', url: remote.url, transport: 'streamable-http', headers: {} }, enabled: true } as never, 'cli');
    registry.mcpServers.create({ name: 'notifier', backend: { kind: 'stdio', command: process.execPath, args: [NOTIFIER], env: {}, isolation: 'per-session' }, enabled: true }, 'cli');
    registry.mcpServers.create({ name: 'everything', backend: { ...everythingStdio, isolation: 'per-session' }, enabled: true }, 'cli');
    registry.mcpServers.create({ name: 'all', backend: { kind: 'bundle', members: ['weather', 'remote', 'notifier'], separator: '___', prefix: 'always' }, enabled: true }, 'cli');
    for (const name of ['alice', 'bob', 'carol']) {
      registry.consumers.store.create({ name }, 'cli');
      keys[name] = registry.consumers.issueKey(name, 'cli').key;
    }
    registry.close();
    replicas = await startReplicas(db, REPLICAS, redis.url);
    balancer = await startRoundRobinBalancer(replicas.map((r) => r.url));
  }, 120_000);

  afterAll(async () => {
    if (process.env.AGATE_TEST_STDERR) for (const r of replicas) console.log(r.stderr());
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await stopReplicas(replicas);
    await balancer?.close();
    await remote?.close();
    await rest?.close();
    await redis?.close();
    dir.cleanup();
  });

  /** An official SDK client through the balancer, as `consumer`; it resumes a lost GET stream within 100 ms. */
  async function connect(consumer: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport; logs: number[] }> {
    const client = new Client({ name: `client-${consumer}`, version: '1.0.0' }, { capabilities: {} });
    const logs: number[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push((n.params.data as { n: number }).n));
    const transport = new StreamableHTTPClientTransport(new URL(`${balancer.url}/mcp/all`), {
      requestInit: { headers: { 'x-api-key': keys[consumer]! } },
      reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.5, maxRetries: 10 },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, transport, logs };
  }

  /** The replica the balancer's next request reaches (it skips replicas that refuse connections). */
  const nextLive = () => {
    let i = balancer.peekNext();
    while (replicas[i]!.child.exitCode !== null || replicas[i]!.child.signalCode !== null) i = (i + 1) % REPLICAS;
    return i;
  };
  const text = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]!.text);
  /** The replicas that answered this session's POSTs, in order. */
  const postsOf = (sessionId: string) => balancer.log.filter((r) => r.method === 'POST' && r.headers['mcp-session-id'] === sessionId).map((r) => r.backend);
  const upstreamInitializes = () => remote.requests.filter((r) => (r.body as { method?: string } | undefined)?.method === 'initialize').length;

  it('serves one session with every request on another replica, for two consumers at once, and keeps them apart', async () => {
    const initializesBefore = upstreamInitializes();
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    for (const { client } of [alice, bob]) {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['notifier___emit', 'notifier___whoami', 'remote___big', 'remote___cut', 'remote___drop-standalone', 'remote___echo', 'remote___hang', 'remote___interrupted', 'remote___touch', 'weather___now'].sort());
    }
    for (let round = 0; round < 2; round++) {
      const calls = await Promise.all(
        [alice, bob].flatMap(({ client }, who) => [
          client.callTool({ name: 'weather___now', arguments: {} }),
          client.callTool({ name: 'remote___echo', arguments: { message: `${who ? 'bob' : 'alice'} ${round}` } }),
          client.callTool({ name: 'notifier___whoami', arguments: {} }),
        ]),
      );
      expect(text(calls[0])).toContain('clear');
      expect(text(calls[1])).toBe(`gen1: alice ${round}`);
      expect(text(calls[4])).toBe(`gen1: bob ${round}`);
      expect(text(calls[2])).toMatch(/^pid \d+$/);
    }
    for (const { transport } of [alice, bob]) {
      const backends = postsOf(transport.sessionId!);
      // Consecutive requests of one session went to different replicas, and every replica served some.
      expect(new Set(backends).size).toBe(REPLICAS);
    }
    // Each downstream session opened one upstream session on the remote member, continued by the other replicas.
    expect(upstreamInitializes() - initializesBefore).toBe(2);
    const upstreamSessions = ['alice', 'bob'].map((who) => {
      const own = remote.requests.filter((r) => JSON.stringify(r.body ?? null).includes(`"${who} `));
      expect(own.length).toBe(2);
      return new Set(own.map((r) => r.headers['mcp-session-id']));
    });
    expect(upstreamSessions.map((s) => s.size)).toEqual([1, 1]);
    expect([...upstreamSessions[0]!][0]).not.toBe([...upstreamSessions[1]!][0]);
    // Ids that are no session of ours never reach Redis as key names.
    for (const odd of ['x'.repeat(200), 'a}:ev', 'agate:mcp:{a}', '../..']) {
      const res = await fetch(`${replicas[0]!.url}/mcp/all`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': odd, 'mcp-protocol-version': '2025-11-25', 'x-api-key': keys.alice! },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
    }
    // Bob's key with Alice's session: the same 404 as an unknown session, on every replica.
    for (const replica of replicas) {
      const res = await fetch(`${replica.url}/mcp/all`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': alice.transport.sessionId!, 'mcp-protocol-version': '2025-11-25', 'x-api-key': keys.bob! },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Session not found/);
    }
  }, 60_000);

  it('a client whose GET stream replica is killed resumes on another with Last-Event-ID and loses no event', async () => {
    const { client, transport, logs } = await connect('alice');
    const bob = await connect('bob');
    const sessionId = transport.sessionId!;
    const getHolder = () => balancer.log.filter((r) => r.method === 'GET' && r.headers['mcp-session-id'] === sessionId).at(-1)?.backend;
    const holder = (await waitFor(() => (getHolder() === undefined ? undefined : getHolder()! + 1), 'the GET stream to open')) - 1;
    // The emitting process must live on another replica than the one killed: ping until the next POST goes elsewhere.
    while (balancer.peekNext() === holder) await client.ping();
    const count = 40;
    await client.callTool({ name: 'notifier___emit', arguments: { count, intervalMs: 25 } });
    await waitFor(() => logs.length >= 5, 'the first notifications');
    replicas[holder]!.child.kill('SIGKILL');
    await waitFor(() => logs.length >= count, `all ${count} notifications (got ${logs.length})`, 15_000);
    expect(logs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    const resumed = balancer.log.filter((r) => r.method === 'GET' && r.headers['mcp-session-id'] === sessionId && r.headers['last-event-id']);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((r) => r.backend !== holder)).toBe(true);
    expect(bob.logs).toEqual([]); // alice's notifications never reach bob's session
    // The session goes on on the replicas left.
    expect(text(await client.callTool({ name: 'remote___echo', arguments: { message: 'after' } }))).toBe('gen1: after');
  }, 60_000);

  // The stdio member's sampling request goes on the call's POST stream (not on a GET stream the client may still be
  // opening on another replica); the client's answer, POSTed to another replica, is handed on to the one that asked.
  it("answers a server's sampling request that reached the client through one replica, the answer POSTed to another", async () => {
    const client = new Client({ name: 'sampler', version: '1.0.0' }, { capabilities: { sampling: {} } });
    const asked: string[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      asked.push(JSON.stringify(req.params.messages));
      // The answer goes to another replica than the call that caused the request: other traffic turns the wheel.
      const call = balancer.log.filter((r) => r.method === 'POST' && r.headers['mcp-session-id'] === transport.sessionId).at(-1)!.backend;
      while (nextLive() === call) await fetch(`${balancer.url}/healthz`).then((r) => r.arrayBuffer());
      return { role: 'assistant', content: { type: 'text', text: 'sampled by the client' }, model: 'test-model' };
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${balancer.url}/mcp/everything`), { requestInit: { headers: { 'x-api-key': keys.carol! } } });
    await client.connect(transport);
    clients.push(client);
    const before = balancer.log.length;
    const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'across replicas', maxTokens: 10 } });
    expect(text(result)).toContain('sampled by the client');
    expect(asked.join()).toContain('across replicas');
    // The call and the client's answer to the sampling request went to different replicas.
    const posts = balancer.log.slice(before).filter((r) => r.method === 'POST' && r.headers['mcp-session-id'] === transport.sessionId);
    expect(posts.length).toBe(2);
    expect(posts[0]!.backend).not.toBe(posts[1]!.backend);
  }, 60_000);

  it('DELETE on one replica ends the session on every replica', async () => {
    const { client, transport } = await connect('alice');
    await client.callTool({ name: 'weather___now', arguments: {} });
    await client.callTool({ name: 'weather___now', arguments: {} });
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    for (const replica of replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null)) {
      const res = await fetch(`${replica.url}/mcp/all`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', 'x-api-key': keys.alice! },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
    }
  }, 30_000);

  it('concurrent first requests on a replica that does not hold the session all wait for its rebuild (two consumers at once)', async () => {
    const [opener, rebuilder] = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const sessions = await Promise.all(['alice', 'bob'].map(async (who) => {
      const headers = { 'x-api-key': keys[who]! };
      const { sessionId } = await rawInitialize(`${opener!.url}/mcp/remote`, '2025-11-25', headers);
      return { who, headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } };
    }));
    // Twenty tools/calls per session reach the other replica at once: the first rebuilds the session from Redis,
    // the others must not resolve the tool against the copy while its member is still being resumed.
    const answers = await Promise.all(sessions.flatMap(({ who, headers }) =>
      Array.from({ length: 20 }, async (_, i) => {
        const res = await rawPost(`${rebuilder!.url}/mcp/remote`, { jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'echo', arguments: { message: `${who} ${i}` } } }, headers);
        const [message] = await rpcMessages(res);
        return message?.result ? text(message.result) : JSON.stringify(message?.error);
      }),
    ));
    const expected = ['alice', 'bob'].flatMap((who) => Array.from({ length: 20 }, (_, i) => `gen1: ${who} ${i}`));
    expect(answers).toEqual(expected);
  }, 30_000);
});
