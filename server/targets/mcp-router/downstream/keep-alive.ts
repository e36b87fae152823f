import type { ServerResponse } from 'node:http';
import { formatSseComment } from '../../../sse/index.js';

const KEEPALIVE = formatSseComment('keepalive');

/**
 * Keep-alive comment frames for every open SSE stream of the MCP target, on one shared timer (a timer per
 * stream would cost ten thousand timers for ten thousand idle sessions). A stream is written to only when it
 * has been quiet for a whole interval, so busy streams carry no extra frames.
 */
export class KeepAliveTicker {
  private readonly streams = new Map<ServerResponse, { quiet: boolean; onTick?: () => void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  /** Starts keeping `res` alive until it closes; `onTick` runs with each frame (e.g. to mark the session used). */
  add(res: ServerResponse, onTick?: () => void): void {
    if (this.intervalMs <= 0 || res.destroyed) return;
    this.streams.set(res, { quiet: true, onTick });
    res.once('close', () => this.streams.delete(res));
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Notes that `res` just carried an event: its next frame is due an interval later. */
  wrote(res: ServerResponse): void {
    const entry = this.streams.get(res);
    if (entry) entry.quiet = false;
  }

  /** Stops the timer (gateway shutdown). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.streams.clear();
  }

  private tick(): void {
    for (const [res, entry] of this.streams) {
      if (res.writableEnded || res.destroyed) {
        this.streams.delete(res);
        continue;
      }
      if (entry.quiet) {
        res.write(KEEPALIVE);
        entry.onTick?.();
      }
      entry.quiet = true;
    }
    if (this.streams.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
