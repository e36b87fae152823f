import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How to start one child. */
export interface GroupSpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** Leaders of the process groups we started and have not yet seen fully exit. */
const liveGroups = new Set<number>();
let hooksInstalled = false;

/**
 * Spawns `command` as the leader of its own process group (`detached: true`), so the whole tree it starts
 * (`npx` → node → helpers) can be signalled at once with `process.kill(-pid)`. No shell: arguments are passed as
 * they are, never interpreted.
 */
export function spawnInGroup(options: GroupSpawnOptions): ChildProcessWithoutNullStreams {
  installExitHooks();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...options.env },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    liveGroups.add(pid);
    // Once the leader is reaped, sweep the group: a crashed leader's orphans must not linger.
    child.once('exit', () => {
      signalGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
    });
  }
  return child;
}

/** Sends `signal` to the process group led by `pid`; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone already; EPERM cannot happen for our own children.
    return false;
  }
}

/** Kills every group we started, at once (agate is exiting). */
export function killAllGroups(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of liveGroups) signalGroup(pid, signal);
}

/** How many groups we started are still alive (tests, `agate status`). */
export function liveGroupCount(): number {
  return liveGroups.size;
}

/**
 * Children are detached, so they would outlive agate: kill them on exit (synchronously, the only thing an exit
 * handler can do) and on SIGTERM/SIGINT/SIGHUP. When nobody else handles the signal we kill and re-raise it,
 * so our listener does not change the default "die on SIGTERM" behaviour.
 */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => killAllGroups('SIGKILL'));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Someone else (agate's shutdown) handles it: they close backends gracefully; 'exit' sweeps the rest.
      if (process.listenerCount(signal) > 1) return;
      killAllGroups('SIGKILL');
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
