import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body read whole, or why it was not. */
export type BodyRead = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'unreadable' };

/**
 * Reads a request body up to `limit` bytes. A larger one, declared by Content-Length or seen while reading, is
 * refused as soon as it is known, without reading more of it: the answer closes the connection instead (draining
 * a declared 10 GB to keep it alive would hand the client the gateway's bandwidth, and with `Expect:
 * 100-continue` nothing was read, so no 100 is sent). Events, not an async iterator: this runs on every MCP and
 * LLM request. Shared by the LLM ingress and the MCP target, so it lives here, between them.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<BodyRead> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(tooLarge(res));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      resolve(tooLarge(res));
    };
    const onEnd = () => {
      stop();
      resolve({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    };
    const onError = () => {
      stop();
      resolve({ ok: false, reason: 'unreadable' });
    };
    const stop = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Says the body was too large; its answer will be the connection's last (Connection: close). */
function tooLarge(res: ServerResponse): BodyRead {
  res.shouldKeepAlive = false;
  return { ok: false, reason: 'too-large' };
}
