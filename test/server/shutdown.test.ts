import { existsSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { waitFor } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';
import { spawnServe, type ServeProcess } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Resolves true if a TCP connection to `url` is refused, false if it is accepted. */
function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Sends GET `url` and resolves with the status, `Connection` header and whole body once the response has ended. */
function get(url: string, agent: Agent | false = false): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('graceful shutdown (SIGTERM to agate serve)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'agate.db');
  let upstream: LoopbackUpstream;
  let release: () => void = () => {};
  let serve: ServeProcess;

  beforeAll(async () => {
    upstream = await startUpstream('slow', (req, res) => {
      if (!req.url!.startsWith('/slow')) return res.end('fast');
      // The slow upstream answers only when the test releases it.
      const held = new Promise<void>((resolve) => (release = resolve));
      void held.then(() => res.end('the slow answer'));
    });
    const r = Registry.open(db);
    r.routes.create({ name: 'slow', path: '/slow', upstream: upstream.url }, 'cli');
    r.routes.create({ name: 'fast', path: '/fast', upstream: upstream.url }, 'cli');
    r.close();
  });
  beforeEach(async () => {
    upstream.requests.length = 0;
    serve = await spawnServe(db);
  });
  afterEach(async () => {
    release();
    await serve.stop('SIGKILL');
  });
  afterAll(async () => {
    await upstream.close();
    tmp.cleanup();
  });

  // A keep-alive client once held the process for the server's keep-alive timeout after its response.
  it.each([
    ['a one-shot connection', false],
    ['a keep-alive connection', true],
  ])('over %s: finishes the in-flight request, refuses new connections, exits 0 promptly, registry clean', async (_what, keepAlive) => {
    const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    try {
      expect(await get(`${serve.url}/fast`, agent)).toMatchObject({ status: 200, body: 'fast' });

      const inFlight = get(`${serve.url}/slow/download`, agent);
      await waitFor(() => upstream.requests.some((r) => r.url === '/slow/download'), 'the slow request to reach the upstream');

      serve.child.kill('SIGTERM');
      await waitFor(() => serve.stderr().includes('SIGTERM received'), 'the drain to start');
      // The listener closes at once: new connections are refused while the old request is still running.
      expect(await waitFor(() => refused(serve.url), 'new connections to be refused')).toBe(true);
      expect(serve.child.exitCode).toBeNull();

      release();
      const done = await inFlight;
      expect(done).toMatchObject({ status: 200, body: 'the slow answer' });
      // The client is told not to reuse the connection, and the process does not wait for it to idle out.
      expect(done.connection).toBe('close');
      await waitFor(() => serve.child.exitCode !== null, 'the process to exit', 3000);
      expect(await serve.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (agent) agent.destroy();
    }

    // Closed cleanly: the WAL was checkpointed into the file and removed, and the file is intact.
    const wal = `${db}-wal`;
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
    const check = new Database(db, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(check.prepare('SELECT count(*) AS n FROM gateway_instances').get()).toEqual({ n: 0 });
      expect(check.prepare('SELECT count(*) AS n FROM routes').get()).toEqual({ n: 2 });
    } finally {
      check.close();
    }
  });
});
