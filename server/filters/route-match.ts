import { gatewayError } from '../errors/index.js';
import type { Filter, RouteRef } from '../pipeline/index.js';
import type { HttpRouter } from '../routing/http-router.js';

/** Finds the request's route in the snapshot's router and sets `ctx.route`; 404 GW_ERR_NO_ROUTE otherwise. */
export function routeMatch(router: HttpRouter<RouteRef>): Filter {
  return async function matchRoute(ctx, next) {
    const { method, path, host } = ctx.request;
    const route = router.match({ method, path, host: hostWithoutPort(host) });
    if (!route) throw gatewayError('GW_ERR_NO_ROUTE', method, path);
    ctx.route = route;
    await next();
  };
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}
