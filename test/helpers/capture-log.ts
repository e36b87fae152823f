import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A pino logger whose JSON lines are kept in memory for assertions. */
export interface CapturedLog {
  log: Logger;
  /** Parsed log lines written so far. */
  lines: Array<Record<string, unknown>>;
  /** Bytes written so far (to check a flood stays bounded). */
  bytes(): number;
}

/** Builds a captured logger at `level`. */
export function captureLog(level = 'debug'): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { log: pino({ level, base: undefined }, sink), lines, bytes: () => bytes };
}
