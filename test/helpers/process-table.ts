import { execFileSync } from 'node:child_process';

/** One row of `ps`. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  stat: string;
  cmd: string;
}

/** The process table as `ps -eo pid,ppid,pgid,stat,cmd` prints it (the `ps` itself left out). */
export function processTable(): ProcessRow[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,cmd='], { encoding: 'utf8' });
  const rows: ProcessRow[] = [];
  for (const line of out.split('\n')) {
    const [, pid, ppid, pgid, stat, cmd] = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line) ?? [];
    if (stat === undefined || cmd === undefined) continue;
    const row = { pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), stat, cmd };
    if (row.ppid === process.pid && row.cmd.startsWith('ps ')) continue;
    rows.push(row);
  }
  return rows;
}

/** Children of this process (zombies included), and any process in one of `groups`. */
export function leftovers(groups: Iterable<number> = []): ProcessRow[] {
  const pgids = new Set(groups);
  return processTable().filter((r) => r.ppid === process.pid || pgids.has(r.pgid));
}

/** Processes in any of the process groups `groups`. */
export function groupMembers(groups: Iterable<number>): ProcessRow[] {
  const pgids = new Set(groups);
  return processTable().filter((r) => pgids.has(r.pgid));
}

/** Zombies anywhere among our children. */
export function zombieChildren(): ProcessRow[] {
  return processTable().filter((r) => r.ppid === process.pid && r.stat.startsWith('Z'));
}
