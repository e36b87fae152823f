import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The gateway's logger: JSON lines on stdout; level from AGATE_LOG_LEVEL (default info). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.AGATE_LOG_LEVEL ?? 'info';
  if (options.destination) return pino({ level, base: undefined }, options.destination);
  // Asynchronous writes keep logging off the request's critical path; flushed on shutdown. Lines are batched
  // into writes of at least 4 KiB: one write syscall per access-log line cost ~10% of the proxy's CPU. A 100 ms
  // timer bounds how late a line on a quiet gateway can appear (and how much a crash can lose); it flushes only
  // when something was logged (sonic-boom's own periodicFlush writes an empty buffer ten times a second).
  const destination = pino.destination({ sync: false, minLength: 4096 });
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
