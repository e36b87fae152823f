import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The gateway's logger: JSON lines on stdout; level from AGATE_LOG_LEVEL (default info). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.AGATE_LOG_LEVEL ?? 'info';
  if (options.destination) return pino({ level, base: undefined }, options.destination);
  // Asynchronous writes keep logging off the request's critical path; flushed on shutdown.
  return pino({ level, base: undefined }, pino.destination({ sync: false }));
}
