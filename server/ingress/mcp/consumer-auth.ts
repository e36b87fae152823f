import { GatewayError, errors } from '../../errors/index.js';
import type { ConsumerDirectory } from '../../auth/index.js';
import type { Filter } from '../../pipeline/index.js';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="agate"' };

/**
 * Optional consumer authentication for MCP endpoints: a key in `Authorization: Bearer <key>` or `x-api-key`
 * (or a JWT as bearer) is checked against the snapshot's consumer directory. Unlike the shared `auth` filter,
 * no credential is not an error here: it leaves `ctx.consumer` unset and the endpoint's allow list decides,
 * so open servers keep working for anonymous clients. A credential that does not check out is always a 401.
 */
export function mcpConsumerAuth(directory: ConsumerDirectory): Filter {
  return async function authenticateMcpConsumer(ctx, next) {
    const credential = presented(ctx.request.headers.authorization, ctx.request.headers['x-api-key']);
    if (credential !== undefined) {
      const verdict = credential.split('.').length === 3 ? directory.byJwt(credential) : directory.byKey(credential);
      if (!verdict.ok) throw new GatewayError(errors.GW_ERR_AUTH_INVALID, [], { headers: CHALLENGE, cause: verdict.reason });
      ctx.consumer = verdict.consumer;
    }
    await next();
  };
}

function presented(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  const bearer = authorization && /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer) return bearer;
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}
