import { GatewayError, type ErrorDefinition } from './gateway-error.js';

function defineError(code: string, status: number, flag: string, template: string): ErrorDefinition {
  return Object.freeze({ code, status, flag, template });
}

/**
 * Every error the gateway can answer with. docs/errors.md documents each one; a test keeps the two in step.
 * Flags follow Envoy's response flags where one exists.
 */
export const errors = Object.freeze({
  GW_ERR_NO_ROUTE: defineError('GW_ERR_NO_ROUTE', 404, 'NR', 'No route matches %s %s'),
  GW_ERR_BAD_REQUEST: defineError('GW_ERR_BAD_REQUEST', 400, 'DPE', 'Bad request: %s'),
  GW_ERR_UPSTREAM_CONNECT: defineError('GW_ERR_UPSTREAM_CONNECT', 502, 'UF', 'Upstream %s refused or failed the connection'),
  GW_ERR_UPSTREAM_TIMEOUT: defineError('GW_ERR_UPSTREAM_TIMEOUT', 504, 'UT', 'Upstream %s did not answer within %s ms'),
  GW_ERR_UPSTREAM_PROTOCOL: defineError('GW_ERR_UPSTREAM_PROTOCOL', 502, 'UPE', 'Upstream %s sent an invalid response'),
  GW_ERR_UPSTREAM_RESET: defineError('GW_ERR_UPSTREAM_RESET', 502, 'UR', 'Upstream %s reset the connection'),
  GW_ERR_NO_HEALTHY_UPSTREAM: defineError('GW_ERR_NO_HEALTHY_UPSTREAM', 503, 'UO', 'No healthy target in upstream %s'),
  GW_ERR_RETRIES_EXHAUSTED: defineError('GW_ERR_RETRIES_EXHAUSTED', 502, 'URX', 'Upstream %s failed after %s attempts'),
  GW_ERR_DOWNSTREAM_DISCONNECT: defineError('GW_ERR_DOWNSTREAM_DISCONNECT', 499, 'DC', 'Client disconnected'),
  GW_ERR_AUTH_MISSING: defineError('GW_ERR_AUTH_MISSING', 401, 'UAEX', 'Credentials are required'),
  GW_ERR_AUTH_INVALID: defineError('GW_ERR_AUTH_INVALID', 401, 'UAEX', 'Credentials are invalid'),
  GW_ERR_AUTH_FORBIDDEN: defineError('GW_ERR_AUTH_FORBIDDEN', 403, 'UAEX', 'Consumer %s may not use %s'),
  GW_ERR_RATE_LIMITED: defineError('GW_ERR_RATE_LIMITED', 429, 'RL', 'Rate limit exceeded for %s'),
  GW_ERR_TARGET_UNKNOWN: defineError('GW_ERR_TARGET_UNKNOWN', 500, 'NC', 'Route %s has an unknown target kind %s'),
  GW_ERR_PIPELINE_UNTERMINATED: defineError('GW_ERR_PIPELINE_UNTERMINATED', 500, 'NC', 'The pipeline ended without a response'),
  GW_ERR_INTERNAL: defineError('GW_ERR_INTERNAL', 500, 'NC', 'Internal error'),
});

/** A catalogue code. */
export type ErrorCode = keyof typeof errors;

/** Builds the catalogue error `code` with its message arguments. */
export function gatewayError(code: ErrorCode, ...args: unknown[]): GatewayError {
  return new GatewayError(errors[code], args);
}
