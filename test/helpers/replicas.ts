import { spawnServe, type ServeProcess } from './serve.js';

/**
 * `n` gateway processes on one registry file, sharing Redis when given (replicas in the sense of issue 16): its
 * URL, or its URL and more `agate serve` flags.
 */
export async function startReplicas(db: string, n: number, redis?: string | { url: string; args: readonly string[] }): Promise<ServeProcess[]> {
  const args = typeof redis === 'string' ? ['--redis', redis] : redis ? ['--redis', redis.url, ...redis.args] : [];
  // One at a time: each start writes the registry (first-start seeding, its instance row).
  const replicas: ServeProcess[] = [];
  try {
    for (let i = 0; i < n; i++) replicas.push(await spawnServe(db, { args, readyTimeoutMs: 60_000 }));
  } catch (err) {
    await stopReplicas(replicas);
    throw err;
  }
  return replicas;
}

/** Stops every replica that is still running and waits for all to exit. */
export async function stopReplicas(replicas: readonly ServeProcess[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.stop()));
}
