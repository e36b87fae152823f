import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The gateway's logger: JSON lines on stdout; level from AGATE_LOG_LEVEL (default info). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.AGATE_LOG_LEVEL ?? 'info';
  if (options.destination) return pino({ level, base: undefined }, options.destination);
  // Asynchronous writes keep logging off the request's critical path; flushed on shutdown. Lines are batched
  // into writes of at least 4 KiB: one write syscall per access-log line cost ~10% of the proxy's CPU. The
  // periodic flush bounds how late a line on a quiet gateway can appear (and how much a crash can lose).
  return pino({ level, base: undefined }, pino.destination({ sync: false, minLength: 4096, periodicFlush: 100 }));
}
