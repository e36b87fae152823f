/** Gateway errors ↔ provider-neutral errors, so every failure renders in the shape of the API the client called. */
import { GatewayError, errors, isGatewayError, toGatewayError } from '../../../errors/index.js';
import { parseProviderError, TranslationError, type NormalizedError } from '../translate/index.js';

function isNormalized(value: unknown): value is NormalizedError {
  return typeof value === 'object' && value !== null && 'category' in value && 'status' in value && 'message' in value;
}

/**
 * An upstream's own error answer as a GatewayError: the client gets the provider's status and message (a 400
 * about its own request must stay a 400), the access log gets the stable code GW_ERR_LLM_UPSTREAM_ERROR.
 */
export function upstreamError(provider: string, n: NormalizedError, retryAfterMs?: number): GatewayError {
  const def = { ...errors.GW_ERR_LLM_UPSTREAM_ERROR, status: n.status };
  const headers: Record<string, string> = retryAfterMs !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } : {};
  return new GatewayError(def, [provider, n.status, n.message], { cause: n, headers });
}

/** A translator's refusal (bad client input, or an upstream body it cannot read) as a GatewayError. */
export function translationError(err: TranslationError): GatewayError {
  const n: NormalizedError = {
    status: err.status,
    category: err.status >= 500 ? 'server' : 'invalid_request',
    message: err.message,
    code: err.code,
    param: err.param,
  };
  const def = err.status >= 500 ? errors.GW_ERR_UPSTREAM_PROTOCOL : errors.GW_ERR_BAD_REQUEST;
  return new GatewayError(def, [err.message], { cause: n });
}

/** Coerces anything thrown on the LLM path into a GatewayError (translator errors keep their 400/502). */
export function toLlmGatewayError(err: unknown): GatewayError {
  if (err instanceof TranslationError) return translationError(err);
  return isGatewayError(err) ? err : toGatewayError(err);
}

/** The neutral form of a gateway error: the provider's own error when it carries one, else built from the catalogue. */
export function normalizedOf(err: GatewayError): NormalizedError {
  if (isNormalized(err.cause)) return err.cause;
  const n = parseProviderError({ error: { message: err.message, code: err.code } }, err.status);
  return { ...n, code: err.code };
}
