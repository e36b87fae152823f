import type { Request, Response } from 'express';
import type { AccessEntry, AccessFeed } from '../observability/access-feed.js';
import { formatSseComment, formatSseJson } from '../sse/index.js';

/** How much one subscriber may hold: entries waiting for the next flush, and bytes the socket has not taken. */
export interface StreamLimits {
  /** Entries queued between flushes (default 1000). */
  readonly maxQueued?: number;
  /** Bytes buffered in the response before entries are dropped (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Keep-alive comment interval, ms (default 15 s). */
  readonly keepAliveMs?: number;
}

/**
 * `GET /access-log/stream`: the access log live, as server-sent events (`data: <entry JSON>`). Publishing only
 * appends to a bounded queue; a flush on the next turn of the loop writes the queue as one chunk. A subscriber
 * that reads slower than traffic arrives loses entries instead of growing memory or holding the data plane: the
 * number lost goes out as `event: dropped` (`{"dropped": n}`, counted since the stream began).
 */
export function accessLogStream(feed: AccessFeed, limits: StreamLimits = {}) {
  const maxQueued = limits.maxQueued ?? 1000;
  const maxBuffered = limits.maxBufferedBytes ?? 1 << 20;
  return function streamAccessLog(req: Request, res: Response): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.write(formatSseComment('agate access log'));
    let queue: AccessEntry[] = [];
    let dropped = 0;
    let reported = 0;
    let scheduled = false;
    const report = () => {
      if (dropped === reported || res.writableLength > maxBuffered) return;
      reported = dropped;
      res.write(formatSseJson({ dropped }, 'dropped'));
    };
    const flush = () => {
      scheduled = false;
      const batch = queue;
      queue = [];
      if (res.writableLength > maxBuffered) {
        dropped += batch.length;
        // The count goes out as soon as the reader catches up, even if no further line arrives.
        if (res.listenerCount('drain') === 0) res.once('drain', report);
      } else if (batch.length) res.write(batch.map((e) => formatSseJson(e)).join(''));
      report();
    };
    const unsubscribe = feed.subscribe((entry) => {
      if (queue.length >= maxQueued) dropped++;
      else queue.push(entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    const keepAlive = setInterval(() => res.write(formatSseComment('keep-alive')), limits.keepAliveMs ?? 15_000);
    req.on('close', () => {
      unsubscribe();
      clearInterval(keepAlive);
    });
  };
}
