import type { Filter, GatewayContext } from '../pipeline/index.js';
import { respond } from './respond.js';

/** A redirect route's settings. */
export interface RedirectConfig {
  readonly location: string;
  readonly status: number;
  /** Append the path after `matchedPrefix` and the query to `location`. */
  readonly keepPath: boolean;
  readonly matchedPrefix?: string;
}

/** Answers with a redirect; the request never reaches an upstream. */
export function redirect(config: RedirectConfig): Filter {
  // A fixed location makes one reply for the route; a kept path needs its own header per request anyway.
  const fixed = config.keepPath ? undefined : Object.freeze({ status: config.status, headers: Object.freeze({ location: config.location }) });
  return async function redirectRequest(ctx) {
    respond(ctx, fixed ?? { status: config.status, headers: { location: target(ctx, config) } });
  };
}

function target(ctx: GatewayContext, config: RedirectConfig): string {
  if (!config.keepPath) return config.location;
  let rest = ctx.request.path;
  if (config.matchedPrefix && rest.startsWith(config.matchedPrefix)) rest = rest.slice(config.matchedPrefix.length);
  const base = config.location.endsWith('/') && rest.startsWith('/') ? config.location.slice(0, -1) : config.location;
  return base + rest + (ctx.request.query ? '?' + ctx.request.query : '');
}
