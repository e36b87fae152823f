import type { Response } from 'express';
import { RegistryError } from '../../registry/index.js';
import { gatewayError, type ErrorCode, type GatewayError } from '../errors/index.js';

/** How each registry refusal is answered. */
const REGISTRY_CODES: Record<RegistryError['kind'], ErrorCode> = {
  validation: 'GW_ERR_ADMIN_INVALID',
  not_found: 'GW_ERR_ADMIN_NOT_FOUND',
  conflict: 'GW_ERR_ADMIN_CONFLICT',
};

/**
 * Sends a catalogue error (`gatewayError(code, ...)`) as `{ error: { code, message, problems? } }` with its status:
 * the admin API's one error shape, with the same stable codes as the rest of the gateway (docs/errors.md).
 */
export function sendAdminError(res: Response, err: GatewayError, extra: { problems?: readonly string[]; headers?: Record<string, string> } = {}): void {
  res.status(err.status).set(extra.headers ?? {}).json({ error: { code: err.code, message: err.message, ...(extra.problems ? { problems: extra.problems } : {}) } });
}

/** Sends a registry refusal (validation 400, not found 404, conflict 409) with its problems; rethrows anything else. */
export function sendRegistryError(res: Response, err: unknown): void {
  if (!(err instanceof RegistryError)) throw err;
  sendAdminError(res, gatewayError(REGISTRY_CODES[err.kind], err.message), { problems: err.problems });
}
