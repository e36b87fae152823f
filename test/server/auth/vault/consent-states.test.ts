import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_TTL_MS, ConsentStoreUnavailableError, LocalConsentStates, RedisConsentStates, type ConsentStateStore } from '../../../../server/auth/vault/index.js';
import { RedisConnection } from '../../../../server/shared-state/redis-connection.js';
import { SecretBox } from '../../../../registry/secret-box.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../../helpers/redis.js';

// The vault's states, one contract for both stores: single-use, short-lived, unguessable, bounded per consumer.
// The Redis store runs against a real redis-server. A clock is injected so expiry is checked without waiting ten
// minutes (both stores let the clock decide, Redis's own expiry being the backstop).
const subject = (consumer: string) => ({ consumer, server: 'files', elicitationId: 'e', session: `s-${consumer}`, notify: true });
const flowOf = (consumer: string) => ({ ...subject(consumer), verifier: `verifier-of-${consumer}`, redirectUri: 'http://gw/cb' });

type Clocked = (now: () => number) => ConsentStateStore;

function contract(name: string, make: () => Clocked) {
  describe(name, () => {
    it('a link is taken once; a second take is refused', async () => {
      const states = make()(Date.now);
      const token = await states.link(subject('alice'));
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await states.takeLink(token)).toEqual(subject('alice'));
      expect(await states.takeLink(token)).toBeUndefined();
    });

    it('a flow keeps its verifier and redirect URI, and is taken once', async () => {
      const states = make()(Date.now);
      const state = await states.flow(flowOf('alice'));
      expect(await states.takeFlow(state)).toEqual(flowOf('alice'));
      expect(await states.takeFlow(state)).toBeUndefined();
    });

    it('an expired link or flow state is refused', async () => {
      let now = Date.now();
      const states = make()(() => now);
      const link = await states.link(subject('alice'));
      const flow = await states.flow(flowOf('alice'));
      now += CONSENT_TTL_MS;
      expect(await states.takeLink(link)).toBeUndefined();
      expect(await states.takeFlow(flow)).toBeUndefined();
    });

    it('links and flow states are separate: a link token is not a valid callback state', async () => {
      const states = make()(Date.now);
      const link = await states.link(subject('alice'));
      expect(await states.takeFlow(link)).toBeUndefined();
      expect((await states.takeLink(link))?.consumer).toBe('alice');
      for (const forged of ['', 'nope', 'x'.repeat(43), 'x'.repeat(2048)]) expect(await states.takeLink(forged)).toBeUndefined();
    });

    it('one consumer holds at most 16 waiting links (the oldest go first); others keep theirs', async () => {
      let now = Date.now();
      const states = make()(() => now++);
      const consumer = `alice-${randomBytes(4).toString('hex')}`;
      const bob = await states.link(subject('bob'));
      const alice: string[] = [];
      for (let i = 0; i < 20; i++) alice.push(await states.link(subject(consumer)));
      const taken = [];
      for (const t of alice) taken.push((await states.takeLink(t))?.consumer);
      expect(taken).toEqual([...Array(4).fill(undefined), ...Array(16).fill(consumer)]);
      expect((await states.takeLink(bob))?.consumer).toBe('bob');
    });
  });
}

contract('LocalConsentStates', () => (now) => new LocalConsentStates(now));

describe.skipIf(skipWithoutRedis)('RedisConsentStates (real redis-server)', () => {
  let redis: TestRedis;
  let connection: RedisConnection;
  const box = new SecretBox(randomBytes(32));
  beforeAll(async () => {
    redis = await startTestRedis();
    connection = new RedisConnection({ url: redis.url });
    await connection.ready(5_000);
  });
  afterAll(async () => {
    await connection?.close();
    await redis?.close();
  });

  contract('contract', () => (now) => new RedisConsentStates({ connection, box, now }));

  it('a state made by one replica is taken by another (two connections), once', async () => {
    const other = new RedisConnection({ url: redis.url });
    try {
      await other.ready(5_000);
      const [a, b] = [new RedisConsentStates({ connection, box }), new RedisConsentStates({ connection: other, box })];
      const state = await a.flow(flowOf('alice'));
      const [first, second] = await Promise.all([b.takeFlow(state), a.takeFlow(state)]);
      expect([first, second].filter(Boolean)).toEqual([flowOf('alice')]);
    } finally {
      await other.close();
    }
  });

  it('Redis holds neither a usable token nor the PKCE verifier in the clear', async () => {
    const states = new RedisConsentStates({ connection, box });
    const link = await states.link(subject('carol'));
    const state = await states.flow(flowOf('carol'));
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('*');
      const values = await Promise.all(keys.map(async (k) => ((await raw.type(k)) === 'string' ? raw.get(k) : (await raw.zrange(k, 0, -1)).join(' '))));
      const dump = keys.join('\n') + values.join('\n');
      for (const secret of [link, state, 'verifier-of-carol']) expect(dump).not.toContain(secret);
      expect(dump).toContain('"consumer":"carol"');
    } finally {
      raw.disconnect();
    }
  });

  it('a flow sealed under another key does not open (another gateway, or tampered with)', async () => {
    const state = await new RedisConsentStates({ connection, box: new SecretBox(randomBytes(32)) }).flow(flowOf('alice'));
    expect(await new RedisConsentStates({ connection, box }).takeFlow(state)).toBeUndefined();
  });

  it('Redis stopped: every operation rejects with ConsentStoreUnavailableError within the deadline; back: works again', async () => {
    const states = new RedisConsentStates({ connection, box });
    const link = await states.link(subject('alice'));
    await redis.stop();
    try {
      const started = Date.now();
      await expect(states.link(subject('alice'))).rejects.toBeInstanceOf(ConsentStoreUnavailableError);
      await expect(states.takeLink(link)).rejects.toBeInstanceOf(ConsentStoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
      // A state not of the tokens' shape is refused without asking Redis.
      expect(await states.takeFlow('forged')).toBeUndefined();
    } finally {
      await redis.restart();
    }
    await connection.ready(5_000);
    const again = await states.link(subject('alice'));
    expect((await states.takeLink(again))?.consumer).toBe('alice');
  });

  it('Redis hung (SIGSTOP): a take answers ConsentStoreUnavailableError at the deadline, never hangs', async () => {
    const states = new RedisConsentStates({ connection, box });
    redis.pause();
    try {
      const started = Date.now();
      await expect(states.takeLink('x'.repeat(43))).rejects.toBeInstanceOf(ConsentStoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(connection.deadlineMs * 5);
    } finally {
      redis.resume();
    }
  });
});
