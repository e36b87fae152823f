import { describe, expect, it } from 'vitest';
import { InMemorySessionStore } from '../../../../../server/targets/mcp-router/downstream/session-store.js';

const message = (n: number) => ({ jsonrpc: '2.0' as const, id: n, result: {} });

describe('in-memory MCP session store: replay buffer', () => {
  const open = async (eventBufferSize: number) => {
    const store = new InMemorySessionStore({ idleTimeoutMs: 60_000, eventBufferSize });
    await store.create({ id: 's', server: 'x', consumer: null, transport: 'streamable-http', createdAt: 0, lastSeenAt: Date.now() });
    return store;
  };

  it('forgets a POST stream once its events left the buffer (one stream per call must not pile up)', async () => {
    const store = await open(2);
    const first = await store.appendEvent('s', 'post-1', message(1));
    for (let i = 2; i <= 100; i++) await store.appendEvent('s', `post-${i}`, message(i));
    expect(await store.streamOfEvent('s', first)).toBeUndefined();
    const last = await store.appendEvent('s', 'post-101', message(101));
    expect(await store.streamOfEvent('s', last)).toBe('post-101');
  });

  it('keeps a stream known while any of its events is buffered, and replays what follows', async () => {
    const store = await open(3);
    const a1 = await store.appendEvent('s', 'a', message(1));
    await store.appendEvent('s', 'a', message(2));
    await store.appendEvent('s', 'b', message(3));
    await store.appendEvent('s', 'a', message(4)); // a1 drops out; a2 and a4 stay
    expect(await store.streamOfEvent('s', a1)).toBe('a');
    expect((await store.eventsAfter('s', a1)).map((e) => (e.message as { id: number }).id)).toEqual([2, 4]);
  });

  it('always knows the standalone GET stream', async () => {
    const store = await open(1);
    const get = await store.appendEvent('s', '_GET_stream', message(1));
    await store.appendEvent('s', 'post-2', message(2));
    expect(await store.streamOfEvent('s', get)).toBe('_GET_stream');
  });
});
