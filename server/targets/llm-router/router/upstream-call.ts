/**
 * Sends one prepared call with undici and classifies what went wrong, so the router knows whether to try
 * another key of the same provider, the next provider, or to give the client the answer as it is.
 */
import { request, type Dispatcher } from 'undici';
import { GatewayError, errors, gatewayError } from '../../../errors/index.js';
import { parseProviderError } from '../translate/index.js';
import { upstreamError } from './errors.js';
import type { PreparedCall } from './prepare-call.js';
import type { CompiledProvider } from './types.js';

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

/** An open upstream response plus the timer that still guards the first byte. */
export interface OpenCall {
  res: Dispatcher.ResponseData;
  /** Aborts the upstream call (client gone, first-byte timeout, or done with it). */
  abort: AbortController;
  /** Stops the first-byte timer once the first body bytes have arrived. */
  firstByte(): void;
  /** True when the first-byte timer fired. */
  timedOut(): boolean;
  /** Releases the client-abort listener. */
  release(): void;
}

/** Reads at most this much of an error body: enough for any provider's message. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** Opens the call; resolves with the response on 2xx, or a classified failure. Throws only if the client left. */
export async function openCall(
  dispatcher: Dispatcher,
  provider: CompiledProvider,
  call: PreparedCall,
  clientSignal: AbortSignal,
): Promise<{ ok: true; open: OpenCall } | { ok: false; failure: AttemptFailure }> {
  const abort = new AbortController();
  const onClientAbort = () => abort.abort(clientSignal.reason);
  clientSignal.addEventListener('abort', onClientAbort, { once: true });
  let timedOut = false;
  // One deadline for headers and the first body bytes (a stream's first event): the "peek" before committing.
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort(new Error('first-byte timeout'));
  }, provider.timeoutMs);
  const release = () => {
    clearTimeout(timer);
    clientSignal.removeEventListener('abort', onClientAbort);
  };
  try {
    const res = await request(call.url, {
      method: 'POST',
      headers: call.headers,
      body: call.body,
      dispatcher,
      signal: abort.signal,
      bodyTimeout: provider.idleTimeoutMs,
    });
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return { ok: true, open: { res, abort, firstByte: () => clearTimeout(timer), timedOut: () => timedOut, release } };
    }
    const failure = await statusFailure(provider, res);
    release();
    return { ok: false, failure };
  } catch (err) {
    release();
    if (clientSignal.aborted) throw gatewayError('GW_ERR_DOWNSTREAM_DISCONNECT');
    return { ok: false, failure: transportFailure(provider, err, timedOut) };
  }
}

async function statusFailure(provider: CompiledProvider, res: Dispatcher.ResponseData): Promise<AttemptFailure> {
  const body = await readLimited(res.body);
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

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > ERROR_BODY_LIMIT) break;
      chunks.push(chunk as Buffer);
    }
  } catch {
    // A body cut short still has whatever message arrived.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
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
