import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError, errors } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';

/**
 * 413 GW_ERR_BODY_TOO_LARGE when the declared Content-Length exceeds the limit, before a byte of the body is
 * read (the connection is closed, since the unread body cannot be skipped). Chunked bodies are counted while
 * they stream by the proxy target ({@link limitBody}).
 */
export function bodyLimit(maxBytes: number): Filter {
  return async function limitBodySize(ctx, next) {
    const declared = ctx.request.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    await next();
  };
}

/** A pass-through stream that fails with 413 once more than `maxBytes` went through it. */
export function limitBody(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) cb(tooLarge(maxBytes));
      else cb(null, chunk);
    },
  });
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(errors.GW_ERR_BODY_TOO_LARGE, [maxBytes], { headers: { connection: 'close' } });
}
