import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** How a log line failed: `error` a write the device refused (ENOSPC, EPIPE...), `dropped` a line not buffered. */
export type LogWriteFailure = 'error' | 'dropped';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level?: string;
  destination?: NodeJS.WritableStream;
  /** Called for every failed log write; the gateway counts them in `agate_log_write_failures_total`. */
  onWriteFailure?: (kind: LogWriteFailure) => void;
}

/**
 * Most log bytes held in memory while stdout does not take them (a full disk, a pipe nobody reads); past
 * this, new lines are dropped rather than growing the heap. Writes are retried, so a device that recovers
 * gets the buffered lines.
 */
const LOG_BUFFER_BYTES = 1024 * 1024;

/** The gateway's logger: JSON lines on stdout; level from AGATE_LOG_LEVEL (default info). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.AGATE_LOG_LEVEL ?? 'info';
  if (options.destination) return pino({ level, base: undefined }, options.destination);
  // Asynchronous writes keep logging off the request's critical path; flushed on shutdown. Lines are batched
  // into writes of at least 4 KiB: one write syscall per access-log line cost ~10% of the proxy's CPU. A 100 ms
  // timer bounds how late a line on a quiet gateway can appear (and how much a crash can lose); it flushes only
  // when something was logged (sonic-boom's own periodicFlush writes an empty buffer ten times a second).
  const destination = pino.destination({ sync: false, minLength: 4096, maxLength: LOG_BUFFER_BYTES });
  // A failed write must never take the gateway down: sonic-boom emits 'error' (ENOSPC on a full disk, EPIPE)
  // with no listener attached, which would be an uncaught exception. Count it and keep serving.
  destination.on('error', () => options.onWriteFailure?.('error'));
  destination.on('drop', () => options.onWriteFailure?.('dropped'));
  let unflushed = false;
  setInterval(() => {
    if (!unflushed) return;
    unflushed = false;
    destination.flush();
  }, 100).unref();
  const markUnflushed = (line: string) => {
    unflushed = true;
    return line;
  };
  return pino({ level, base: undefined, hooks: { streamWrite: markUnflushed } }, destination);
}
