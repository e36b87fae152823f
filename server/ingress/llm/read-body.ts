import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../pipeline/read-body.js';

/** Reads a JSON request body up to `limit` bytes; the outcome names what was wrong with it. */
export async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<{ ok: true; value: Record<string, unknown>; bytes: number } | { ok: false; status: number; reason: string }> {
  const read = await readBody(req, res, limit);
  if (!read.ok) {
    return read.reason === 'too-large'
      ? { ok: false, status: 413, reason: `request body is larger than ${limit} bytes` }
      : { ok: false, status: 400, reason: 'request body could not be read' };
  }
  if (read.body.length === 0) return { ok: true, value: {}, bytes: 0 };
  try {
    const value: unknown = JSON.parse(read.body.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, status: 400, reason: 'request body must be a JSON object' };
    }
    return { ok: true, value: value as Record<string, unknown>, bytes: read.body.length };
  } catch (err) {
    return { ok: false, status: 400, reason: `request body is not valid JSON: ${(err as Error).message}` };
  }
}
