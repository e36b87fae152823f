import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../helpers/gateway.js';
import { groupMembers, leftovers } from '../../../../helpers/process-table.js';

const host = fileURLToPath(new URL('../../../../fixtures/stdio/agate-host.mjs', import.meta.url));
const started: Array<{ proc: ChildProcessWithoutNullStreams; leader?: number }> = [];

/** Starts a stand-in agate that runs a stdio server whose leader and grandchild ignore SIGTERM. */
async function startHost(): Promise<{ proc: ChildProcessWithoutNullStreams; leader: number; grandchild: number }> {
  const proc = spawn(process.execPath, [host], { stdio: ['pipe', 'pipe', 'pipe'] });
  const entry: { proc: ChildProcessWithoutNullStreams; leader?: number } = { proc };
  started.push(entry);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const line = await waitFor(() => out.split('\n').find((l) => l.startsWith('{')), 'the host to report its server', 20_000);
  const pids = JSON.parse(line) as { leader: number; grandchild: number };
  entry.leader = pids.leader;
  expect(groupMembers([pids.leader]).map((r) => r.pid).sort()).toEqual([pids.leader, pids.grandchild].sort());
  return { proc, ...pids };
}

afterEach(async () => {
  for (const { proc, leader } of started.splice(0)) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    // Belt and braces so a failing test does not leave stubborn processes on the machine.
    if (leader !== undefined) for (const r of groupMembers([leader])) process.kill(r.pid, 'SIGKILL');
  }
  await waitFor(() => leftovers().length === 0, 'no children left', 8000);
});

describe('no stdio server outlives agate', () => {
  it.each([
    ['SIGTERM', (proc: ChildProcessWithoutNullStreams) => proc.kill('SIGTERM')],
    ['process.exit()', (proc: ChildProcessWithoutNullStreams) => proc.stdin.write('exit\n')],
  ])('kills the whole process group on %s', async (_how, stop) => {
    const { proc, leader } = await startHost();
    const exited = once(proc, 'exit');
    stop(proc);
    await exited;
    await waitFor(() => groupMembers([leader]).length === 0, 'leader and grandchild to be gone', 5000);
  });
});
