import { RegistryError, type Registry } from '../../../registry/index.js';
import { GatewayError, errors, gatewayError } from '../../errors/index.js';
import type { GatewayContext } from '../../pipeline/index.js';

/**
 * Runs a registry write as the request's consumer (the audit row names it and its address), without waiting on
 * another process's lock: 503 + Retry-After instead, so the event loop never sleeps in SQLite's busy handler.
 */
export function writeAsConsumer<T>(ctx: GatewayContext, registry: Registry, fn: () => T): T {
  const actor = { actor: `consumer ${ctx.consumer!.name}`, address: ctx.request.clientIp ?? ctx.request.remoteAddress ?? '' };
  const attempt = registry.tryWrite(() => registry.audit.runAs(actor, fn));
  if (attempt.ok) return attempt.value;
  if (attempt.busy) throw new GatewayError(errors.GW_ERR_ADMIN_REGISTRY_BUSY, [`${ctx.request.method} ${ctx.request.path}`], { headers: { 'retry-after': '1' } });
  if (attempt.error instanceof RegistryError) throw gatewayError('GW_ERR_SETTINGS_INVALID', attempt.error.message);
  throw attempt.error;
}
