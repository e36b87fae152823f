/**
 * `cluster` part `failover`: CLIENTS 2025 Streamable HTTP sessions through nginx, each with its GET stream open,
 * spread over the replicas by round robin; one replica is killed with SIGKILL. A client whose GET stream the kill
 * cut sends its next tools/call at once (and again, if nginx answers it with an error); the time from the kill to
 * that call's answer, from another replica that rebuilds the session from Redis, is the sample. ROUNDS rounds, each
 * killing the next replica and restarting it (back in nginx's rotation) before the next round.
 */
import { loadavg } from 'node:os';
import { Pool, request } from 'undici';
import type { Front, Replica } from './cluster-fleet.js';
import { waitUntil } from './cluster-fleet.js';
import { RawMcpSession } from './mcp-raw-client.js';
import { summarize } from './stats.js';

const ROUNDS = Number(process.env.CLUSTER_BENCH_FAILOVER_ROUNDS ?? 6);
const CLIENTS = 6;
/** A stream not cut this long after the kill was not on the killed replica. */
const CUT_WITHIN_MS = 2000;
/** The goal for a killed replica's clients to be served again. */
const GOAL_MS = 1000;

interface Client {
  session: RawMcpSession;
  /** Resolves when the GET stream ends or breaks. */
  cut: Promise<void>;
  abort: AbortController;
}

export async function measureFailover(replicas: readonly Replica[], front: Front): Promise<unknown> {
  const pool = new Pool(front.url, { connections: CLIENTS * 2 });
  const servedAgainMs: number[] = [];
  const rounds: Array<{ killed: number; affected: number; failedAttempts: number }> = [];
  /** What the failed attempts were answered (nginx's error status, a reset), for the report. */
  const failures = new Set<string>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const victim = replicas[round % replicas.length]!;
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => openClient(pool, front.url)));
      let failedAttempts = 0;
      const t0 = performance.now();
      victim.child().kill('SIGKILL');
      const times = await Promise.all(
        clients.map(async (c) => {
          if (!(await Promise.race([c.cut.then(() => true), sleep(CUT_WITHIN_MS).then(() => false)]))) return undefined;
          for (;;) {
            try {
              await c.session.callTool('get-current-time', { timeZone: 'Asia/Tokyo' });
              return performance.now() - t0;
            } catch (err) {
              failedAttempts++;
              failures.add(String(err).slice(0, 120));
              if (performance.now() - t0 > 10_000) throw new Error(`not served again within 10 s: ${String(err)}`);
            }
          }
        }),
      );
      const affected = times.filter((t): t is number => t !== undefined);
      servedAgainMs.push(...affected);
      rounds.push({ killed: victim.port, affected: affected.length, failedAttempts });
      for (const c of clients) c.abort.abort();
      await Promise.all(clients.map((c) => c.session.close().catch(() => undefined)));
      await victim.restart();
      await backInRotation(front, victim, pool);
    }
  } finally {
    await pool.close();
  }
  const s = summarize(servedAgainMs);
  process.stdout.write(
    `\nfailover: ${ROUNDS} rounds, ${CLIENTS} clients with a GET stream open, one replica killed (SIGKILL) per round; ${s.n} clients cut\n` +
      `served again after the kill: p50 ${s.p50} ms, max ${s.max} ms (goal <= ${GOAL_MS} ms); failed attempts before that: ${rounds.reduce((n, r) => n + r.failedAttempts, 0)} ${JSON.stringify([...failures])}; load ${loadavg()[0]!.toFixed(2)}\n`,
  );
  return { rounds, clients: CLIENTS, goalMs: GOAL_MS, servedAgainMs: s, failures: [...failures] };
}

/** An initialized session through nginx with its GET stream open. */
async function openClient(pool: Pool, url: string): Promise<Client> {
  const session = new RawMcpSession(`${url}/mcp/time`, pool);
  await session.initialize();
  const abort = new AbortController();
  const res = await request(`${url}/mcp/time`, {
    method: 'GET',
    dispatcher: pool,
    headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': session.sessionId },
    signal: abort.signal,
  });
  if (res.statusCode !== 200) throw new Error(`GET stream: HTTP ${res.statusCode}`);
  const cut = new Promise<void>((resolve) => {
    res.body.on('data', () => {});
    res.body.once('end', () => resolve());
    res.body.once('error', () => resolve());
    res.body.once('close', () => resolve());
  });
  return { session, cut, abort };
}

/** Proxied requests through nginx until the access log shows `replica` answering one again (nginx's fail_timeout). */
async function backInRotation(front: Front, replica: Replica, pool: Pool): Promise<void> {
  const from = front.accessLog().length;
  const answeredBy = new RegExp(` 200 upstream=127\\.0\\.0\\.1:${replica.port}$`, 'm');
  await waitUntil(
    async () => {
      const res = await pool.request({ path: '/plain/x', method: 'GET' });
      await res.body.dump();
      return answeredBy.test(front.accessLog().slice(from));
    },
    `replica on port ${replica.port} back in nginx's rotation`,
    30_000,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
