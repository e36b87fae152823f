/**
 * Sends one prepared call with undici and classifies what went wrong, so the router knows whether to try
 * another key of the same provider, the next provider, or to give the client the answer as it is.
 */
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError, errors, gatewayError } from '../../../errors/index.js';
import { parseProviderError } from '../translate/index.js';
import { upstreamError } from './errors.js';
import type { PreparedCall } from './prepare-call.js';
import type { CompiledProvider } from './types.js';
import { clientGone } from '../../upstream-attempt.js';
import { UpstreamExchange } from '../../upstream-exchange.js';

/** What to do after a failed attempt. */
export type RetryScope = 'key' | 'provider' | 'none';

/** A failed attempt: the error to report if nothing else works, and how far to retry. */
export interface AttemptFailure {
  error: GatewayError;
  retry: RetryScope;
  /** Counts against the key's health (auth, quota, server errors). */
  keyFault: boolean;
  retryAfterMs?: number;
}

/** Reads at most this much of an error body: enough for any provider's message. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * Opens the call; resolves with the exchange on 2xx (its body still to consume, its first-byte deadline still
 * running), or a classified failure. Throws only if the client left (`res` closed early).
 */
export async function openCall(
  dispatcher: Dispatcher,
  call: PreparedCall,
  res: ServerResponse,
): Promise<{ ok: true; open: UpstreamExchange } | { ok: false; failure: AttemptFailure }> {
  const provider = call.provider;
  // One deadline for headers and the first body bytes (a stream's first event): the "peek" before committing.
  const exchange = new UpstreamExchange(res, provider.timeoutMs);
  try {
    await exchange.start(dispatcher, {
      origin: call.address.origin,
      path: call.address.path,
      method: 'POST',
      headers: call.address.headers,
      body: call.body,
      bodyTimeout: provider.idleTimeoutMs,
    });
  } catch (err) {
    exchange.release();
    if (clientGone(res)) throw gatewayError('GW_ERR_DOWNSTREAM_DISCONNECT');
    return { ok: false, failure: transportFailure(provider, err, exchange.timedOut) };
  }
  if (exchange.statusCode >= 200 && exchange.statusCode < 300) return { ok: true, open: exchange };
  const failure = statusFailure(provider, exchange, await readLimited(exchange));
  exchange.release();
  return { ok: false, failure };
}

function statusFailure(provider: CompiledProvider, res: UpstreamExchange, body: string): AttemptFailure {
  const status = res.statusCode;
  const n = parseProviderError(body, status);
  const retryAfterMs = parseRetryAfter(res.headers);
  const error = upstreamError(provider.name, n, status === 429 ? retryAfterMs : undefined);
  if (status === 401 || status === 403 || status === 429) return { error, retry: 'key', keyFault: true, retryAfterMs };
  if (status === 408 || status >= 500) return { error, retry: 'provider', keyFault: status !== 408, retryAfterMs };
  return { error, retry: 'none', keyFault: false };
}

/** Connect failures and timeouts are the provider's, not the key's: move on to the next provider. */
export function transportFailure(provider: CompiledProvider, err: unknown, timedOut: boolean): AttemptFailure {
  const code = (err as { code?: string })?.code ?? '';
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { error: gatewayError('GW_ERR_UPSTREAM_TIMEOUT', provider.name, provider.timeoutMs), retry: 'provider', keyFault: false };
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return { error: new GatewayError(errors.GW_ERR_UPSTREAM_RESET, [provider.name], { cause: err }), retry: 'provider', keyFault: false };
  }
  return { error: new GatewayError(errors.GW_ERR_UPSTREAM_CONNECT, [provider.name], { cause: err }), retry: 'provider', keyFault: false };
}

/** The error body up to ERROR_BODY_LIMIT; a body cut short still has whatever message arrived. */
function readLimited(exchange: UpstreamExchange): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    exchange.consume({
      data(chunk) {
        size += chunk.length;
        if (size > ERROR_BODY_LIMIT) return exchange.abort(new Error('error body too large'));
        chunks.push(chunk);
      },
      end: done,
      error: done,
    });
  });
}

/** `retry-after-ms` (OpenAI, Azure), else `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const ms = Number(first(headers['retry-after-ms']));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = first(headers['retry-after']);
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
