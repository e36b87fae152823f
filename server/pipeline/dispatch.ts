import { gatewayError } from '../errors/index.js';
import type { Filter, GatewayContext, RouteTarget, TargetKind } from './types.js';

/** The terminal of the routed chains: hands the request to the target registered for its route's kind. */
export function dispatch(targets: ReadonlyMap<TargetKind, RouteTarget>): Filter {
  return async function dispatchToTarget(ctx: GatewayContext) {
    const route = ctx.route;
    if (!route) throw gatewayError('GW_ERR_NO_ROUTE', ctx.request.method, ctx.request.path);
    const target = targets.get(route.target.kind);
    if (!target) throw gatewayError('GW_ERR_TARGET_UNKNOWN', route.name, route.target.kind);
    await target.handle(ctx);
  };
}
