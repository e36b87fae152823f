/**
 * The processes of `npm run bench -- cluster`'s replica parts, started the way docs/examples/deploy/replicas.sh
 * starts them: `agate serve` processes (with `--redis`, on one registry file) and Debian's nginx in front, filled in
 * from the same nginx.conf.template. Each start returns a stop; the caller stops everything, also on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../registry/index.js';
import { GATEWAY_NODE_FLAGS } from './gateway-flags.js';
import { freePort } from './local.js';

/** The admin token of every replica the bench starts. */
export const ADMIN_TOKEN = 'agt_' + randomBytes(24).toString('hex');

/** One `agate serve` process on fixed ports, so that a restart comes back where nginx expects it. */
export interface Replica {
  url: string;
  adminUrl: string;
  port: number;
  child(): ChildProcess;
  /** Starts the process again on the same ports (after a kill) and waits until it is ready. */
  restart(): Promise<void>;
  stop(): void;
}

/** Starts `agate serve` on `db` (a first start seeds the `time` MCP server), with `--redis` when given. */
export async function startReplica(o: { db: string; redisUrl?: string }): Promise<Replica> {
  const port = await freePort();
  const adminPort = await freePort();
  const cli = join(packageRoot(), 'dist', 'cli', 'index.js');
  const args = [...GATEWAY_NODE_FLAGS, cli, '--db', o.db, 'serve', '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort), '--demo-port', '0'];
  if (o.redisUrl) args.push('--redis', o.redisUrl);
  let child: ChildProcess;
  const start = async () => {
    child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AGATE_ADMIN_TOKEN: ADMIN_TOKEN, AGATE_LOG_LEVEL: 'warn' } });
    await untilPrinted(child, 'agate is running');
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    port,
    child: () => child,
    restart: start,
    stop: () => void child.kill('SIGTERM'),
  };
}

/** Resolves once `child` wrote `text` to stderr; rejects if it exits first or takes over 60 s. */
function untilPrinted(child: ChildProcess, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within 60 s:\n${seen}`)), 60_000);
    child.stderr!.on('data', (c: Buffer) => {
      seen += c.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`agate serve exited with ${code}:\n${seen}`)));
  });
}

/** nginx in front of `ports`, configured from docs/examples/deploy/nginx.conf.template. */
export interface Front {
  url: string;
  pid: number | undefined;
  /** nginx's access log (which replica answered each request). */
  accessLog(): string;
  stop(): void;
}

export async function startFront(nginx: string, dir: string, ports: readonly number[]): Promise<Front> {
  const port = await freePort();
  const prefix = join(dir, `nginx-${port}`);
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const template = readFileSync(join(packageRoot(), 'docs', 'examples', 'deploy', 'nginx.conf.template'), 'utf8');
  const conf = template
    .replaceAll('@PREFIX@', prefix)
    .replace('@LISTEN@', `127.0.0.1:${port}`)
    .replace('@UPSTREAM_SERVERS@', ports.map((p) => `    server 127.0.0.1:${p};`).join('\n'));
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const master = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; !(await fetch(url).then(() => true, () => false)); ) {
    if (Date.now() > deadline || master.exitCode !== null) throw new Error(`nginx did not start: ${readFileSync(join(prefix, 'error.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: master.pid, accessLog: () => readFileSync(join(prefix, 'access.log'), 'utf8'), stop: () => void master.kill('SIGQUIT') };
}

/** A loopback HTTP upstream answering `200 ok` (the proxied requests' target). */
export function startUpstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A private redis-server (Debian's; `apt-get install redis-server`) on a free loopback port, nothing persisted. */
export async function startRedis(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await new Promise<number>((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.once('error', (err) => {
    throw new Error(`redis-server did not start (apt-get install redis-server): ${err.message}`);
  });
  // Ready once it logs that it accepts connections.
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out}`)));
  });
  child.stdout!.resume();
  return { child, url: `redis://127.0.0.1:${port}` };
}
