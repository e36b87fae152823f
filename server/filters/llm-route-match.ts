import { gatewayError } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
import type { ModelRouter } from '../routing/model-router.js';
import { llmOf, type LlmRoute } from '../targets/llm-router/router/index.js';
import { authRefusalOf } from './auth.js';

/** The snapshot's LLM routing table. */
export interface LlmRouteMatchConfig {
  readonly router: ModelRouter<LlmRoute>;
  /** The synthetic route that answers `GET /v1/models`. */
  readonly modelsRoute: LlmRoute;
}

/**
 * Finds the LLM route for the requested model (and the consumer, when auth ran first) and sets `ctx.route`.
 * `GET /v1/models` gets the snapshot's synthetic models route. No match: 404 GW_ERR_LLM_NO_ROUTE.
 */
export function llmRouteMatch(config: LlmRouteMatchConfig): Filter {
  const { router, modelsRoute } = config;
  return async function matchLlmRoute(ctx, next) {
    const llm = llmOf(ctx);
    if (llm.api === 'models') {
      ctx.route = modelsRoute;
    } else {
      const route = router.match({ model: llm.model, consumer: ctx.consumer });
      if (!route) {
        // A model only consumers may use: an anonymous caller gets the 401, not a misleading 404.
        if (!ctx.consumer && router.restricted(llm.model)) throw authRefusalOf(ctx);
        throw gatewayError('GW_ERR_LLM_NO_ROUTE', llm.model);
      }
      ctx.route = route;
    }
    await next();
  };
}
