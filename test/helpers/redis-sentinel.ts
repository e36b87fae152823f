import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './gateway.js';
import { freePort } from './free-port.js';
import { hasRedis } from './redis.js';
import { tempDir } from './temp-dir.js';

/** A RESP reply: a simple or bulk string, an integer, an error (as `Error`), an array, or null. */
export type Resp = string | number | Error | null | Resp[];

/** The name the sentinel monitors the primary under. */
export const PRIMARY_NAME = 'agate-primary';

/**
 * Redis with Sentinel, as redis.io's "High availability with Redis Sentinel" sets it up, on loopback: a primary,
 * one replica of it, and one sentinel (quorum 1) watching them. Nothing is persisted.
 */
export interface TestSentinelSet {
  /** `redis-sentinel://127.0.0.1:<sentinel port>#agate-primary` */
  readonly url: string;
  readonly sentinelPort: number;
  /** The two Redis servers' ports: the primary at the start first. */
  readonly ports: readonly [number, number];
  /** The port the sentinel names as the primary now. */
  primaryPort(): Promise<number>;
  /** Sentinel's forced failover (SENTINEL FAILOVER): the replica becomes the primary, the primary its replica. */
  failover(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the primary, its replica (once in sync) and the sentinel (once it knows the replica). */
export async function startSentinelSet(): Promise<TestSentinelSet> {
  if (!hasRedis) throw new Error('redis-server is not installed (apt-get install redis-server; .ci/run does it)');
  const { dir, cleanup } = tempDir('agate-sentinel-');
  const [primary, replica, sentinel] = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const redisArgs = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`];
  const close = async () => {
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise<void>((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); }))));
    cleanup();
  };
  try {
    children.push(spawn('redis-server', redisArgs(primary), { stdio: 'ignore' }));
    await waitFor(async () => (await ask(primary, ['PING'])) === 'PONG', 'the primary to answer', 10_000);
    children.push(spawn('redis-server', [...redisArgs(replica), '--replicaof', '127.0.0.1', String(primary)], { stdio: 'ignore' }));
    await waitFor(async () => /master_link_status:up/.test(String(await ask(replica, ['INFO', 'replication']))), 'the replica to sync', 10_000);
    // Sentinel rewrites its configuration file as it learns: it must be its own, writable.
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, [`port ${sentinel}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${PRIMARY_NAME} 127.0.0.1 ${primary} 1`, `sentinel down-after-milliseconds ${PRIMARY_NAME} 1000`, `sentinel failover-timeout ${PRIMARY_NAME} 5000`, ''].join('\n'));
    children.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitFor(async () => {
      const replicas = await ask(sentinel, ['SENTINEL', 'REPLICAS', PRIMARY_NAME]);
      return Array.isArray(replicas) && replicas.length === 1;
    }, 'the sentinel to know the replica', 15_000);
  } catch (err) {
    await close();
    throw err;
  }
  const primaryPort = async () => {
    const addr = await command(sentinel, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', PRIMARY_NAME]);
    return Number((addr as string[])[1]);
  };
  return {
    url: `redis-sentinel://127.0.0.1:${sentinel}#${PRIMARY_NAME}`,
    sentinelPort: sentinel,
    ports: [primary, replica],
    primaryPort,
    async failover() {
      const before = await primaryPort();
      const other = before === primary ? replica : primary;
      // Everything written so far reaches the replica before it is promoted (WAIT: the replica acknowledged it).
      await command(before, ['WAIT', '1', '2000']);
      // Refused (-NOGOODSLAVE) until the sentinel has judged the replica fit (it reads a replica's INFO every 10 s).
      await waitFor(async () => (await ask(sentinel, ['SENTINEL', 'FAILOVER', PRIMARY_NAME])) === 'OK', 'the sentinel to start a failover', 30_000);
      await waitFor(async () => (await primaryPort().catch(() => undefined)) === other, 'the sentinel to name the new primary', 15_000);
      // A server changing role closes its clients' connections: a reset there is asked again.
      await waitFor(async () => /role:master/.test(String(await ask(other, ['INFO', 'replication']))), 'the replica to be promoted', 15_000);
      await waitFor(async () => /role:slave/.test(String(await ask(before, ['INFO', 'replication']))), 'the old primary to become a replica', 15_000);
      return other;
    },
    close,
  };
}

/** {@link command}, with a failed connection as `undefined` (for polling while servers change role). */
function ask(port: number, args: readonly string[]): Promise<Resp | undefined> {
  return command(port, args).catch(() => undefined);
}

/**
 * One command over a fresh raw connection, its reply parsed from RESP (no client library: the helper must not
 * depend on what agate uses).
 */
export function command(port: number, args: readonly string[]): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    socket.setTimeout(3_000, () => socket.destroy(new Error(`redis on ${port}: no answer to ${args[0]}`)));
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d) => {
      buffer += d.toString('utf8');
      const parsed = parseResp(buffer, 0);
      if (!parsed) return;
      socket.end();
      resolve(parsed.value);
    });
    socket.on('error', reject);
  });
}

/** One RESP value from `text` at `at`, or undefined while incomplete. */
function parseResp(text: string, at: number): { value: Resp; next: number } | undefined {
  const eol = text.indexOf('\r\n', at);
  if (eol === -1) return undefined;
  const kind = text[at];
  const line = text.slice(at + 1, eol);
  if (kind === '+') return { value: line, next: eol + 2 };
  if (kind === '-') return { value: new Error(line), next: eol + 2 };
  if (kind === ':') return { value: Number(line), next: eol + 2 };
  if (kind === '$') {
    const n = Number(line);
    if (n === -1) return { value: null, next: eol + 2 };
    const bytes = Buffer.from(text.slice(eol + 2), 'utf8');
    if (bytes.length < n + 2) return undefined;
    const value = bytes.subarray(0, n).toString('utf8');
    return { value, next: eol + 2 + value.length + 2 };
  }
  if (kind === '*') {
    const n = Number(line);
    if (n === -1) return { value: null, next: eol + 2 };
    const items: Resp[] = [];
    let next = eol + 2;
    for (let i = 0; i < n; i++) {
      const item = parseResp(text, next);
      if (!item) return undefined;
      items.push(item.value);
      next = item.next;
    }
    return { value: items, next };
  }
  throw new Error(`not RESP: ${JSON.stringify(text.slice(at, at + 40))}`);
}
