import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../../registry/index.js';
import { runCli } from '../../helpers/cli.js';
import { consumersWithKeys } from '../../helpers/consumers.js';
import { callEcho, connectTools, createToolsServer } from '../../helpers/quota-calls.js';
import { waitFor } from '../../helpers/gateway.js';
import { skipWithoutRedis } from '../../helpers/redis.js';
import { command, PRIMARY_NAME, startSentinelSet, type TestSentinelSet } from '../../helpers/redis-sentinel.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from '../../helpers/round-robin-balancer.js';
import { startRemoteMcpUpstream, type RemoteMcpUpstream } from '../../helpers/remote-mcp-upstream.js';
import { startReplicas, stopReplicas } from '../../helpers/replicas.js';
import type { ServeProcess } from '../../helpers/serve.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Tool calls per consumer per hour (the bucket refills one in ten minutes: not during the test), across both replicas. */
const N = 6;

describe.skipIf(skipWithoutRedis)('Redis Sentinel: two replicas follow a failover of the primary', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestSentinelSet;
  let mcp: RemoteMcpUpstream;
  let replicas: ServeProcess[] = [];
  let balancer: RoundRobinBalancer;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startSentinelSet();
    mcp = await startRemoteMcpUpstream();
    const r = Registry.open(db);
    Object.assign(keys, consumersWithKeys(r, ['alice', 'bob', 'carol']));
    createToolsServer(r, mcp.url, { requests: N, windowSeconds: 3600 });
    r.close();
    replicas = await startReplicas(db, 2, redis.url);
    balancer = await startRoundRobinBalancer(replicas.map((r) => r.url));
  }, 90_000);
  afterAll(async () => {
    await balancer?.close();
    await stopReplicas(replicas);
    await mcp?.close();
    await redis?.close();
    cleanup();
  });

  it('keeps MCP sessions and per-consumer quotas through the failover, two consumers at once, and writes to the new primary', async () => {
    const [first, second] = redis.ports;
    expect(await redis.primaryPort()).toBe(first);
    // Sessions opened before the failover: alice's through a balancer without stickiness (each of her requests
    // lands on the other replica: her session lives in Redis), bob's on the second replica.
    const alice = await connectTools(balancer, keys.alice!);
    const bob = await connectTools(replicas[1]!, keys.bob!);
    expect([await callEcho(alice, 'a1'), await callEcho(alice, 'a2'), await callEcho(alice, 'a3'), await callEcho(alice, 'a4')]).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect([await callEcho(bob, 'b1'), await callEcho(bob, 'b2')]).toEqual(['ok', 'ok']);
    expect(new Set(balancer.log.map((r) => r.backend))).toEqual(new Set([0, 1]));

    expect(await redis.failover()).toBe(second);
    // The old primary now refuses writes: a gateway still writing there would refuse every call (fail closed).
    expect(await command(first, ['SET', 'probe', '1'])).toEqual(expect.objectContaining({ message: expect.stringMatching(/^READONLY/) }));

    // Both replicas serve a consumer that has spent nothing once they follow the new primary.
    for (const rep of replicas) {
      await waitFor(async () => {
        const carol = await connectTools(rep, keys.carol!).catch(() => undefined);
        const outcome = carol && (await callEcho(carol, 'after'));
        await carol?.close();
        return outcome === 'ok';
      }, 'a tool call admitted after the failover', 15_000);
    }
    // The counts written before the failover were replicated: alice has N - 4 left, bob N - 2, no more, no less;
    // alice's session, read from the new primary by whichever replica her request lands on, goes on.
    const aliceAfter: string[] = [];
    for (let i = 0; i < N - 4 + 1; i++) aliceAfter.push(await callEcho(alice, `a-after-${i}`));
    const bobAfter: string[] = [];
    for (let i = 0; i < N - 2 + 1; i++) bobAfter.push(await callEcho(bob, `b-after-${i}`));
    expect(aliceAfter).toEqual([...Array(N - 4).fill('ok'), 'GW_ERR_RATE_LIMITED']);
    expect(bobAfter).toEqual([...Array(N - 2).fill('ok'), 'GW_ERR_RATE_LIMITED']);
    await Promise.all([alice, bob].map((c) => c.close()));

    // Status says where the gateways' Redis is, the sentinel URL as given (no password in it to hide).
    const text = (await runCli(['status'], db)).stdout;
    expect(text).toContain(`(redis-sentinel://127.0.0.1:${redis.sentinelPort}#${PRIMARY_NAME})`);
    expect(text).toMatch(/^ {2}redis {11}up since /m);
  }, 120_000);
});

describe.skipIf(skipWithoutRedis)('a Redis endpoint whose primary is replaced behind it (a managed failover endpoint)', () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'agate.db');
  let redis: TestSentinelSet;
  let endpoint: Forwarder;
  let gateway: ServeProcess | undefined;

  beforeAll(async () => {
    redis = await startSentinelSet();
    endpoint = await startForwarder(redis.ports[0]);
    const r = Registry.open(db);
    r.consumers.store.create({ name: 'alice', groups: [] }, 'cli');
    r.close();
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await endpoint?.close();
    await redis?.close();
    cleanup();
  });

  it('starts only once its own Redis connections are open, and after a failover serves again through the moved endpoint, refusing quotas meanwhile', async () => {
    const mcp = await startRemoteMcpUpstream();
    try {
      const r = Registry.open(db);
      createToolsServer(r, mcp.url, { requests: N, windowSeconds: 3600 });
      const key = r.consumers.issueKey('alice', 'cli').key;
      r.close();
      [gateway] = await startReplicas(db, 1, `redis://127.0.0.1:${endpoint.port}`);
      // At once: the session store's connection (its own, through the slow endpoint) is open before the gateway listens.
      const alice = await connectTools(gateway!, key);
      expect(await callEcho(alice, 'before')).toBe('ok');
      // The primary is demoted (the sentinel closes its clients' connections) and the endpoint now leads to the new one.
      await redis.failover();
      endpoint.target = redis.ports[1];
      const outcomes: string[] = [];
      await waitFor(async () => {
        outcomes.push(await callEcho(alice, 'after'));
        return outcomes.at(-1) === 'ok';
      }, 'a tool call admitted through the new primary', 10_000);
      // While on the demoted primary, calls were refused as for any store failure (fail closed), never admitted.
      expect(outcomes.slice(0, -1).every((o) => o === 'GW_ERR_QUOTA_STORE_UNAVAILABLE')).toBe(true);
      await alice.close();
    } finally {
      await mcp.close();
    }
  }, 60_000);
});

/** A TCP endpoint forwarding each new connection to `target` (a managed Redis's name, moved on failover). */
interface Forwarder {
  readonly port: number;
  target: number;
  close(): Promise<void>;
}

async function startForwarder(target: number): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const forwarder = { port: 0, target, close: async () => {} };
  const server = createServer((client) => {
    const upstream = netConnect(forwarder.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      // Without it Nagle's algorithm holds small replies back ~40 ms: past agate's 100 ms deadline in two hops.
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  forwarder.port = (server.address() as AddressInfo).port;
  forwarder.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return forwarder;
}
