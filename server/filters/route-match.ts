import { gatewayError } from '../errors/index.js';
import type { Filter, GatewayContext, RouteRef } from '../pipeline/index.js';
import type { HttpRouter } from '../routing/http-router.js';

/** A route that carries its own compiled pipeline (its filters, then dispatch). */
export interface PipelinedRoute extends RouteRef {
  readonly pipeline: (ctx: GatewayContext) => Promise<void>;
}

/**
 * Finds the request's route (host, path, method, headers, query), sets `ctx.route` and runs the route's own
 * pipeline; 404 GW_ERR_NO_ROUTE otherwise. Terminal: the route's pipeline ends in dispatch.
 */
export function routeMatch(router: HttpRouter<PipelinedRoute>): Filter {
  return async function matchRoute(ctx) {
    const { method, path, host, headers, query } = ctx.request;
    const route = router.match({ method, path, host: hostWithoutPort(host), headers, query });
    if (!route) throw gatewayError('GW_ERR_NO_ROUTE', method, path);
    ctx.route = route;
    await route.pipeline(ctx);
  };
}

/** The host name of a Host header value, lower case, without the port. */
function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}
