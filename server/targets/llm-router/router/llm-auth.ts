/**
 * Consumer auth for the LLM ingress, reusing the shared auth filter. SDK clients always send *some* key
 * (the openai SDK refuses to start without one), so a missing or unknown credential is not refused here: the
 * request continues anonymously and only routes open to everyone match it. A route restricted to consumers
 * then answers with the auth error that was set aside (see llmRouteMatch).
 */
import type { AuthSpec } from '../../../../registry/index.js';
import type { ConsumerDirectory } from '../../../auth/index.js';
import { isGatewayError, type GatewayError } from '../../../errors/index.js';
import { auth } from '../../../filters/auth.js';
import type { Filter, GatewayContext } from '../../../pipeline/index.js';

const LLM_AUTH: AuthSpec = Object.freeze({ methods: ['key', 'jwt'], keyHeader: 'x-api-key', forwardCredentials: false }) as AuthSpec;
const AUTH_FAILURE = new WeakMap<GatewayContext, GatewayError>();

/** The auth error set aside for an anonymous request, if its credential was missing or wrong. */
export function authFailureOf(ctx: GatewayContext): GatewayError | undefined {
  return AUTH_FAILURE.get(ctx);
}

/** Authenticates when it can; never refuses by itself. */
export function llmAuth(directory: ConsumerDirectory): Filter {
  const inner = auth(LLM_AUTH, { directory });
  return async function authenticateLlm(ctx, next) {
    let passed = false;
    try {
      await inner(ctx, () => {
        passed = true;
        return next();
      });
    } catch (err) {
      if (passed || !isGatewayError(err) || !err.code.startsWith('GW_ERR_AUTH_')) throw err;
      AUTH_FAILURE.set(ctx, err);
      await next();
    }
  };
}
