import type { Dispatcher } from 'undici';

type Body = Dispatcher.ResponseData['body'];

/**
 * A response body as text, if it is no larger than `maxBytes`; else undefined, with the body destroyed (its socket
 * closed) as soon as it is known to be larger, from its Content-Length or while it arrives: no more than `maxBytes`
 * is ever held.
 */
export async function readBoundedText(res: Dispatcher.ResponseData, maxBytes: number): Promise<string | undefined> {
  if (declaredLength(res) > maxBytes) {
    discard(res.body);
    return undefined;
  }
  const { text, complete } = await readUpTo(res, maxBytes);
  return complete ? text : undefined;
}

/**
 * The first `maxBytes` of a response body as text (the rest is not read: the body is destroyed), and whether that
 * was all of it. A body whose length is declared within the limit is read by undici in one go (the usual case, and
 * the fast one).
 */
export async function readUpTo(res: Dispatcher.ResponseData, maxBytes: number): Promise<{ text: string; complete: boolean }> {
  if (declaredLength(res) <= maxBytes) return { text: await res.body.text(), complete: true };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      discard(res.body);
      return { text: Buffer.concat(chunks, maxBytes).toString('utf8'), complete: false };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), complete: true };
}

/** Stops reading a body and closes its socket; undici reports that as an abort error, which is ours and expected. */
export function discard(body: Body): void {
  body.on('error', () => {});
  body.destroy();
}

/** The Content-Length of a response; NaN when it has none (chunked), so that every comparison with it is false. */
function declaredLength(res: Dispatcher.ResponseData): number {
  const length = res.headers['content-length'];
  return typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : NaN;
}
