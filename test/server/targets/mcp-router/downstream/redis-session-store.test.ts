import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../../../registry/secret-box.js';
import { RedisConnection } from '../../../../../server/shared-state/redis-connection.js';
import { RedisSessionStore } from '../../../../../server/targets/mcp-router/downstream/redis-session-store.js';
import { InMemorySessionStore, type SessionSignal, type SessionStore } from '../../../../../server/targets/mcp-router/downstream/session-store.js';
import { waitFor } from '../../../../helpers/gateway.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../../../helpers/redis.js';

const message = (n: number) => ({ jsonrpc: '2.0' as const, id: n, result: {} });
const record = (id: string, consumer: string | null = null) => ({ id, server: 'x', consumer, transport: 'streamable-http' as const, createdAt: 0, lastSeenAt: Date.now() });
const key = randomBytes(32);

describe.skipIf(skipWithoutRedis)('MCP session store in Redis', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  const stores: RedisSessionStore[] = [];

  /** A store as one replica has it: its own connection, the registry's key (`box`). */
  const replica = async (options: { idleTimeoutMs?: number; eventBufferSize?: number; box?: SecretBox } = {}) => {
    const connection = new RedisConnection({ url: redis.url, commandTimeoutMs: 500 });
    connections.push(connection);
    await connection.ready(5_000);
    const box = (options.box ?? new SecretBox(key)).derive('agate mcp session state v1');
    const store = new RedisSessionStore({ client: connection.client, idleTimeoutMs: options.idleTimeoutMs ?? 60_000, eventBufferSize: options.eventBufferSize ?? 16, box });
    stores.push(store);
    await store.ready(5_000);
    return { store, connection };
  };

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    for (const c of connections) await c.close();
    await redis?.close();
  });

  // The contract both stores keep (the in-process one's own tests are in session-store.test.ts).
  describe.each([
    ['in process', async (size: number): Promise<SessionStore> => new InMemorySessionStore({ idleTimeoutMs: 60_000, eventBufferSize: size })],
    ['Redis', async (size: number): Promise<SessionStore> => (await replica({ eventBufferSize: size })).store],
  ])('replay buffer (%s)', (_name, make) => {
    const open = async (size: number) => {
      const store = await make(size);
      const id = randomBytes(12).toString('base64url');
      await store.create(record(id));
      return { store, id };
    };

    it('forgets a POST stream once its events left the buffer', async () => {
      const { store, id } = await open(2);
      const first = await store.appendEvent(id, 'post-1', message(1));
      for (let i = 2; i <= 20; i++) await store.appendEvent(id, `post-${i}`, message(i));
      expect(await store.streamOfEvent(id, first)).toBeUndefined();
      const last = await store.appendEvent(id, 'post-21', message(21));
      expect(await store.streamOfEvent(id, last)).toBe('post-21');
    });

    it('replays the events of the same stream after an id, oldest first', async () => {
      const { store, id } = await open(3);
      const a1 = await store.appendEvent(id, 'a', message(1));
      await store.appendEvent(id, 'a', message(2));
      await store.appendEvent(id, 'b', message(3));
      await store.appendEvent(id, 'a', message(4));
      expect(await store.streamOfEvent(id, a1)).toBe('a');
      expect((await store.eventsAfter(id, a1)).map((e) => (e.message as { id: number }).id)).toEqual([2, 4]);
    });

    it("never replays one session's events into another (two users at once)", async () => {
      const one = await open(8);
      const two = await open(8);
      const secret = await one.store.appendEvent(one.id, '_GET_stream', message(1));
      await one.store.appendEvent(one.id, '_GET_stream', message(2));
      await two.store.appendEvent(two.id, '_GET_stream', message(3));
      expect(await two.store.streamOfEvent(two.id, secret)).toBeUndefined();
      expect(await two.store.eventsAfter(two.id, secret)).toEqual([]);
      expect((await one.store.eventsAfter(one.id, secret)).map((e) => (e.message as { id: number }).id)).toEqual([2]);
    });

    it('keeps what the client set up, a member’s subscriptions replacing only that member’s', async () => {
      const { store, id } = await open(4);
      const initialize = { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'c', version: '1' } };
      await store.saveClientState(id, { initialize });
      await store.saveClientState(id, { logLevel: 'debug', subscriptions: { a: ['test://1'], b: ['test://2'] } });
      await store.saveClientState(id, { subscriptions: { a: [] } });
      expect(await store.clientState(id)).toEqual({ initialize, logLevel: 'debug', subscriptions: { a: [], b: ['test://2'] } });
    });
  });

  it('gives out event ids no two replicas share, appending to one log', async () => {
    const a = await replica();
    const b = await replica();
    const id = 'shared-ids';
    await a.store.create(record(id));
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).store.appendEvent(id, '_GET_stream', message(i))));
    expect(new Set(ids).size).toBe(40);
    const sorted = ids.sort((x, y) => seq(x) - seq(y));
    // The buffer holds the last 16, whichever replica appended them.
    expect((await b.store.eventsAfter(id, sorted[0]!)).map((e) => e.id)).toEqual(sorted.slice(24));
  });

  it('expires a session idle past its timeout, and a touch keeps it', async () => {
    const { store } = await replica({ idleTimeoutMs: 300 });
    await store.create(record('idle'));
    await store.create(record('busy'));
    await store.appendEvent('busy', '_GET_stream', message(1));
    const started = Date.now();
    while (Date.now() - started < 900) {
      await store.touch('busy');
      await new Promise((r) => setTimeout(r, 50)); // time passing is what this test is about
    }
    expect(await store.get('idle')).toBeUndefined();
    expect(await store.get('busy')).toMatchObject({ id: 'busy', server: 'x' });
    expect(await store.eventsAfter('busy', 'nothing')).toEqual([]);
    expect(await store.appendEvent('idle', '_GET_stream', message(2))).toMatch(/^0{12}\./); // nothing stored for a session that is gone
  });

  it('seals upstream handles: Redis alone does not give the upstream session id away, another key or a tampered value opens nothing', async () => {
    const a = await replica();
    const other = await replica({ box: new SecretBox(randomBytes(32)) });
    const upstreamSessionId = 'upstream-' + randomBytes(8).toString('hex');
    await a.store.create(record('sealed', 'alice'));
    await a.store.setUpstream('sealed', { member: 'remote', upstreamSessionId, protocolVersion: '2025-11-25' });
    expect(await a.store.upstreams('sealed')).toEqual([{ member: 'remote', upstreamSessionId, protocolVersion: '2025-11-25' }]);
    const raw = await a.connection.client.hgetall('agate:mcp:{sealed}');
    expect(JSON.stringify(raw)).not.toContain(upstreamSessionId);
    expect(await other.store.upstreams('sealed')).toEqual([]);
    // Moved to another session's record, the sealed value does not open either (the session id is bound).
    await a.store.create(record('thief', 'mallory'));
    await a.connection.client.hset('agate:mcp:{thief}', 'up:remote', raw['up:remote']!);
    expect(await a.store.upstreams('thief')).toEqual([]);
    const flipped = raw['up:remote']!.slice(0, -2) + (raw['up:remote']!.endsWith('A') ? 'BB' : 'AA');
    await a.connection.client.hset('agate:mcp:{sealed}', 'up:remote', flipped);
    expect(await a.store.upstreams('sealed')).toEqual([]);
  });

  it("signals a session's other holders: events, client answers and the end; never itself, never another session's", async () => {
    const a = await replica();
    const b = await replica();
    await a.store.create(record('watched'));
    await a.store.create(record('other'));
    const atA: SessionSignal[] = [];
    const atB: SessionSignal[] = [];
    const atBOther: SessionSignal[] = [];
    await a.store.watch('watched', (s) => atA.push(s));
    const stop = await b.store.watch('watched', (s) => atB.push(s));
    await b.store.watch('other', (s) => atBOther.push(s));
    const eventId = await a.store.appendEvent('watched', '_GET_stream', message(7));
    await a.store.announce('watched', { type: 'message', message: message(8) });
    await a.store.delete('watched');
    await waitFor(() => atB.length === 3, 'three signals at B');
    expect(atB).toEqual([
      { type: 'event', stream: '_GET_stream', event: { id: eventId, message: message(7) } },
      { type: 'message', message: message(8) },
      { type: 'ended' },
    ]);
    expect(atA).toEqual([]);
    expect(atBOther).toEqual([]);
    // B still holds its copy: the sweep finds it gone from the store.
    expect(await b.store.expired()).toEqual(['watched']);
    stop();
    expect(await b.store.expired()).toEqual([]);
  });

  it("tells whether a live replica holds a legacy session's stream: not once it let go, not once its connection is gone", async () => {
    const [a, b] = [await replica(), await replica()];
    const release = await a.store.holdStream('sse-1');
    await a.store.holdStream('sse-2');
    expect(await b.store.streamsHeld(['sse-1', 'sse-2', 'sse-3'])).toEqual([true, true, false]);
    release();
    await waitFor(async () => !(await b.store.streamsHeld(['sse-1']))[0], 'the released stream to be let go');
    expect(await b.store.streamsHeld(['sse-1', 'sse-2'])).toEqual([false, true]);
    // A replica killed with its streams: its connections close without a word, and Redis forgets them.
    a.store.close();
    await waitFor(async () => !(await b.store.streamsHeld(['sse-2']))[0], "the dead replica's stream to be gone");
    // Many sessions in one call, beyond one NUMSUB's slice.
    const ids = Array.from({ length: 1_200 }, (_, i) => `many-${i}`);
    await b.store.holdStream('many-700');
    const held = await b.store.streamsHeld(ids);
    expect(held.length).toBe(ids.length);
    expect(held.flatMap((h, i) => (h ? [i] : []))).toEqual([700]);
  });

  it('fails fast while Redis is down, and works again once it is back', async () => {
    const { store, connection } = await replica();
    await store.create(record('outage'));
    await redis.stop();
    try {
      const started = Date.now();
      await expect(store.get('outage')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await store.expired()).toEqual([]); // nothing is closed for an outage
    } finally {
      await redis.restart();
    }
    await waitFor(() => connection.up, 'the connection to come back', 10_000);
    // `up` turns on with the connection's ready event, a moment before every command stream takes writes again
    // (CI once saw "Stream isn't writeable" there): what must hold is that writes work again by themselves, soon.
    await waitFor(() => store.create(record('after')).then(() => true, () => false), 'writes to work again', 10_000);
    expect(await store.get('after')).toMatchObject({ id: 'after' });
  });
});

function seq(eventId: string): number {
  return Number(eventId.slice(eventId.lastIndexOf('_') + 1));
}
