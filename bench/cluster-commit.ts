/**
 * `cluster` part `commit`: a new route committed through one replica's admin API (`POST /routes`, each commit
 * through the next replica), then every replica polled directly (every millisecond) until it proxies the route.
 * Commit-to-served on all replicas is the time from the POST's answer (the commit done) to the last replica
 * serving the route; also reported from sending the POST, which adds the commit itself. p50/p95 over COMMITS commits.
 */
import { loadavg } from 'node:os';
import { Pool } from 'undici';
import { ADMIN_TOKEN, type Replica } from './cluster-fleet.js';
import { summarize } from './stats.js';

const COMMITS = Number(process.env.CLUSTER_BENCH_COMMITS ?? 50);
/** The goal for a commit to be served on every replica, p95. */
const GOAL_P95_MS = 50;

export async function measureCommitToServed(replicas: readonly Replica[], upstream: string): Promise<unknown> {
  const pools = replicas.map((r) => new Pool(r.url, { connections: 1 }));
  const onAll: number[] = [];
  const onCommitter: number[] = [];
  const answered: number[] = [];
  const afterCommit: number[] = [];
  try {
    for (let i = 0; i < COMMITS; i++) {
      const via = i % replicas.length;
      const path = `/commit-${i}-route`; // not a prefix of another commit's path
      const t0 = performance.now();
      const posted = fetch(`${replicas[via]!.adminUrl}/routes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `commit-${i}`, path, upstream }),
      }).then((res) => {
        answered.push(performance.now() - t0);
        return res;
      });
      const served = await Promise.all(pools.map((p) => servedAfter(p, path, t0)));
      const res = await posted;
      if (res.status !== 201) throw new Error(`POST /routes answered ${res.status}: ${await res.text()}`);
      onAll.push(Math.max(...served));
      afterCommit.push(Math.max(...served) - answered.at(-1)!);
      onCommitter.push(served[via]!);
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  const all = summarize(onAll);
  const own = summarize(onCommitter);
  const post = summarize(answered);
  const commitToServed = summarize(afterCommit);
  process.stdout.write(
    `\ncommit-to-served: ${COMMITS} routes posted to the admin API, round robin over ${replicas.length} replicas; load ${loadavg()[0]!.toFixed(2)}\n` +
      `from sending the POST: answered (committed) p50 ${post.p50} ms p95 ${post.p95} ms | served on the committing replica p50 ${own.p50} ms p95 ${own.p95} ms | on every replica p50 ${all.p50} ms p95 ${all.p95} ms\n` +
      `commit-to-served on every replica (from the POST's answer): p50 ${commitToServed.p50} ms p95 ${commitToServed.p95} ms max ${commitToServed.max} ms (goal p95 <= ${GOAL_P95_MS} ms)\n`,
  );
  return { commits: COMMITS, goalP95Ms: GOAL_P95_MS, commitToServedOnEveryReplica: commitToServed, fromPost: { answered: post, onCommitter: own, onEveryReplica: all } };
}

/** ms from `t0` until the replica behind `pool` answers `path` with 200. */
async function servedAfter(pool: Pool, path: string, t0: number): Promise<number> {
  for (;;) {
    const res = await pool.request({ path, method: 'GET' });
    await res.body.dump();
    if (res.statusCode === 200) return performance.now() - t0;
    if (performance.now() - t0 > 10_000) throw new Error(`${path} not served within 10 s (last answer ${res.statusCode})`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
