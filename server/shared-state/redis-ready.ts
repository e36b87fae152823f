import type { Redis } from 'ioredis';

/** How long a gateway waits at start for a Redis connection before it serves anyway. */
export const FIRST_CONNECT_WAIT_MS = 2_000;

/**
 * Resolves once `client` (a duplicate of the shared connection: each opens its own) can take commands, or after
 * `timeoutMs`. Without a queue a duplicate refuses every command until it has connected, so a gateway waits for its
 * duplicates at start, before it listens, as it waits for the shared connection.
 */
export function connected(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}
