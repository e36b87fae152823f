import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Registry } from '../../registry/index.js';
import { CLI_PATH, spawnCli } from './cli.js';
import { waitFor } from './gateway.js';

/** A spawned `agate serve` process, ready to take requests. */
export interface ServeProcess {
  child: ChildProcess;
  /** Data-plane URL as the gateway reported it (bound to 127.0.0.1). */
  url: string;
  adminUrl: string;
  /** The admin token the process was given (AGATE_ADMIN_TOKEN). */
  adminToken: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) if still running and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `agate serve` on 127.0.0.1 with ports 0 and no demo upstream, and waits until the process
 * has reported its listeners in the registry (what `agate status` reads).
 */
export async function spawnServe(
  db: string,
  options: {
    args?: string[];
    env?: NodeJS.ProcessEnv;
    /** The child's stdout: an open fd (e.g. on /dev/full), or `unread`, a pipe this side never reads. */
    stdout?: number | 'unread';
    /** How long the start may take, ms (default 15 s; token limits load BPE tables first, seconds of CPU). */
    readyTimeoutMs?: number;
  } = {},
): Promise<ServeProcess> {
  // A random token strong enough for the gateway's token policy (at least 16 characters, 64 bits).
  const adminToken = 'agt_test_' + randomBytes(16).toString('base64url');
  const args = ['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--host', '127.0.0.1', ...(options.args ?? [])];
  const env = { AGATE_ADMIN_TOKEN: adminToken, AGATE_LOG_LEVEL: 'warn', ...options.env };
  const child =
    options.stdout === undefined
      ? spawnCli(args, db, env)
      : spawn(process.execPath, [CLI_PATH, '--db', db, ...args], {
          env: { ...process.env, ...env },
          stdio: ['ignore', options.stdout === 'unread' ? 'pipe' : options.stdout, 'pipe'],
        });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  if (options.stdout === undefined) child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exit: { code: number | null } | undefined;
  void exited.then((e) => (exit = e));
  const listeners = await waitFor(
    () => {
      if (exit) throw new Error(`agate serve exited with ${exit.code} before it was ready:\n${stderr}`);
      return ownListeners(db, child.pid!);
    },
    'agate serve to report its listeners',
    options.readyTimeoutMs ?? 15_000,
  );
  const find = (name: string) => listeners.find((l) => l.name === name)!.url;
  return {
    child,
    url: find('gateway'),
    adminUrl: find('admin'),
    adminToken,
    stderr: () => stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function ownListeners(db: string, pid: number): Array<{ name: string; url: string }> | undefined {
  const registry = Registry.open(db);
  try {
    const row = registry.instances.list().find((g) => g.pid === pid);
    return row && row.listeners.length === 2 ? row.listeners : undefined;
  } finally {
    registry.close();
  }
}

/**
 * Runs `agate serve` until it exits by itself (a refusal to start) or prints its banner (then kills it), for
 * tests of what serve refuses. `env` is added to the process environment.
 */
export function serveOutcome(db: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawnCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--host', '127.0.0.1'], db, {
    AGATE_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    AGATE_LOG_LEVEL: 'warn',
    ...env,
  });
  let stderr = '';
  child.stdout!.resume();
  return new Promise((resolve) => {
    child.stderr!.on('data', (c) => {
      stderr += c;
      if (stderr.includes('npx agate status')) child.kill('SIGKILL');
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}
