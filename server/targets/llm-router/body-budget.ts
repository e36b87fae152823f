import type { IncomingMessage } from 'node:http';

/**
 * The bytes of LLM request bodies the gateway holds at once (read, parsed, sent upstream): each request reserves
 * its declared Content-Length (the per-request limit when it is chunked) until its response closes, so a few
 * concurrent near-limit bodies cannot add gigabytes of buffers and parsed JSON. The first body is always
 * admitted, so one body within the per-request limit is never refused for this alone.
 */
export class BodyBudget {
  private inUse = 0;

  /** `total`: bytes all requests may reserve together. */
  constructor(readonly total: number) {}

  /** Reserves room for `req`'s body; the bytes to give back later, or null when the budget is spent. */
  reserve(req: IncomingMessage, limit: number): number | null {
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, limit) : limit;
    if (this.inUse > 0 && this.inUse + bytes > this.total) return null;
    this.inUse += bytes;
    return bytes;
  }

  /** Gives back a reservation. */
  release(bytes: number): void {
    this.inUse = Math.max(0, this.inUse - bytes);
  }

  /** Bytes reserved right now. */
  get reserved(): number {
    return this.inUse;
  }
}
