import type { IncomingMessage } from 'node:http';

/** Reads a JSON request body up to `limit` bytes; the outcome names what was wrong with it. */
export function readJsonBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; status: number; reason: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('error', () => resolve({ ok: false, status: 400, reason: 'request body could not be read' }));
    req.on('end', () => {
      if (over) return resolve({ ok: false, status: 413, reason: `request body is larger than ${limit} bytes` });
      if (size === 0) return resolve({ ok: true, value: {} });
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return resolve({ ok: false, status: 400, reason: 'request body must be a JSON object' });
        }
        resolve({ ok: true, value: value as Record<string, unknown> });
      } catch (err) {
        resolve({ ok: false, status: 400, reason: `request body is not valid JSON: ${(err as Error).message}` });
      }
    });
  });
}
