import { existsSync, readFileSync } from 'node:fs';

/**
 * A process measured from outside, through Linux's /proc: what the kernel charges it, whatever the process
 * thinks of itself (no forced GC, no in-process accounting). Undefined where /proc is missing.
 */

/** User + system CPU time of `pid`, µs. */
export function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th, in ticks.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** Resident set size of `pid` (VmRSS), bytes. */
export function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}
