import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';
import { waitFor } from './gateway.js';
import { freePort } from './free-port.js';

/** Whether Debian's redis-server is installed (`.ci/run` installs it). */
export const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

/**
 * Whether Redis-backed tests are skipped: only locally and only without redis-server. In CI (CI=true) they run
 * and fail, so a missing server is never a silent pass.
 */
export const skipWithoutRedis = !hasRedis && process.env.CI !== 'true';

/** A private redis-server on a free loopback TCP port, with nothing persisted. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and waits for it: clients see refused connections from now on. */
  stop(): Promise<void>;
  /** Starts a fresh, empty server on the same port (a restart that lost its data). */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers (a slow or hung Redis). */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1 with a free port, no RDB or AOF, and waits until it answers PING. */
export async function startTestRedis(): Promise<TestRedis> {
  if (!hasRedis) throw new Error('redis-server is not installed (apt-get install redis-server; .ci/run does it)');
  const { dir, cleanup } = tempDir('agate-redis-');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawnRedis(port, dir);
    await waitFor(() => ping(port), `redis-server on port ${port} to answer`, 10_000);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    // A paused server must be thawed to act on SIGTERM.
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    await gone;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async close() {
      await stop();
      cleanup();
    },
  };
}

function spawnRedis(port: number, dir: string): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--unixsocket', join(dir, 'redis.sock')];
  return spawn('redis-server', args, { stdio: 'ignore' });
}

/** True once a raw PING on `port` gets +PONG (no client library: the helper must not depend on the code under test). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(got.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}
