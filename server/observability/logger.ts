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
  const batch = new LineBatch(destination);
  let unflushed = false;
  setInterval(() => {
    if (!unflushed) return;
    unflushed = false;
    batch.flush();
  }, 100).unref();
  const markUnflushed = (line: string) => {
    unflushed = true;
    return line;
  };
  return pino({ level, base: undefined, hooks: { streamWrite: markUnflushed } }, batch);
}

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Gathers log lines and hands them to sonic-boom 4 KiB at a time. sonic-boom measures its pending buffer with
 * `Buffer.byteLength` and appends to it on every `write()`, which flattens the growing string each time: one
 * call per line cost O(buffered bytes) per line, a third of the proxy's CPU per request under load. Joining
 * lines here first makes that one call per ~4 KiB. What the destination does with a write (retries, drops past
 * its cap, errors) is unchanged; a drop now counts one batch rather than one line.
 */
class LineBatch {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly destination: SonicBoom) {
    watchExit(this);
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= BATCH_CHARS) this.hand();
    return true;
  }

  /** Hands over what is gathered and asks the destination to write it now (pino's `logger.flush()` comes here). */
  flush(cb?: (err?: Error) => void): void {
    this.hand();
    this.destination.flush(cb);
  }

  /** At process exit: what is gathered goes out synchronously (pino's own exit hook has already run by then). */
  flushAtExit(): void {
    this.hand();
    try {
      this.destination.flushSync();
    } catch {
      // Nothing can be reported at exit; the write-failure counter has seen any earlier error.
    }
  }

  private hand(): void {
    if (this.chars === 0) return;
    const chunk = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.destination.write(chunk);
  }
}

/** Characters gathered before a hand-over: sonic-boom's `minLength`, so every hand-over starts a write. */
const BATCH_CHARS = 4096;

/** Batches to flush when the process exits, weakly held so a closed logger's batch can go; one listener for all. */
const liveBatches = new Set<WeakRef<LineBatch>>();

function watchExit(batch: LineBatch): void {
  if (liveBatches.size === 0) process.once('exit', () => liveBatches.forEach((ref) => ref.deref()?.flushAtExit()));
  liveBatches.add(new WeakRef(batch));
}
