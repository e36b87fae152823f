/**
 * Splits a byte stream into newline-terminated lines with a bound on line length, so a child that writes a
 * megabyte without a newline costs us at most `maxLineBytes` of memory. An over-long line is cut: the caller
 * gets its first `maxLineBytes` and the number of bytes dropped, and decides (skip a JSON message, log a
 * truncated stderr line). The MCP stdio transport is newline-delimited JSON-RPC
 * (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#stdio).
 */
export class LineFramer {
  private parts: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string, droppedBytes: number) => void,
  ) {}

  /** Feeds a chunk; calls `onLine` for every line it completes. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      this.emit();
      start = nl + 1;
    }
  }

  /** Emits a final unterminated line, if any (stream ended). */
  end(): void {
    if (this.size > 0 || this.dropped > 0) this.emit();
  }

  private append(buf: Buffer): void {
    const room = this.maxLineBytes - this.size;
    if (buf.length > room) {
      if (room > 0) this.keep(buf.subarray(0, room));
      this.dropped += buf.length - Math.max(room, 0);
      return;
    }
    if (buf.length > 0) this.keep(buf);
  }

  private keep(buf: Buffer): void {
    // Copy: the stream may reuse its chunk buffers.
    this.parts.push(Buffer.from(buf));
    this.size += buf.length;
  }

  private emit(): void {
    let line = Buffer.concat(this.parts, this.size).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const dropped = this.dropped;
    this.parts = [];
    this.size = 0;
    this.dropped = 0;
    this.onLine(line, dropped);
  }
}
