/** Loopback HTTP plumbing for the end-to-end translation tests: real sockets on 127.0.0.1, port 0. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening server and how to stop it. */
export interface Loopback {
  url: string;
  close(): Promise<void>;
}

/** Starts a server with `handler`; errors thrown by the handler become a 500. */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Promise<Loopback> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

/** Options for {@link sseUpstream}. */
export interface SseUpstreamOptions {
  /** Bytes per write, to force events to straddle TCP writes. */
  chunkSize: number;
  /** Destroy the socket (a reset, not a clean end) after this many bytes. */
  cutAfter?: number;
  /** Receives each request body the fake provider got. */
  onRequest?: (path: string, body: unknown) => void;
}

/** A fake provider that streams `body` as text/event-stream in small writes. */
export function sseUpstream(body: string, options: SseUpstreamOptions): Promise<Loopback> {
  return listen(async (req, res) => {
    options.onRequest?.(req.url ?? '', JSON.parse(await readBody(req)));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const bytes = Buffer.from(body);
    const limit = options.cutAfter ?? bytes.length;
    for (let i = 0; i < limit; i += options.chunkSize) {
      const piece = bytes.subarray(i, Math.min(i + options.chunkSize, limit));
      // Wait for each write to flush so the pieces really arrive as separate reads.
      await new Promise<void>((resolve) => res.write(piece, () => resolve()));
    }
    if (options.cutAfter !== undefined) res.socket?.destroy();
    else res.end();
  });
}
