import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import type { GatewayContext, RouteRef, RouteTarget } from '../../pipeline/index.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import { classifyUpstreamError } from './upstream-errors.js';
import type { UpstreamBalancer } from './upstream-balancer.js';

export { roundRobin, toProxyTarget, type ProxyTarget, type UpstreamBalancer } from './upstream-balancer.js';

/** A route whose target is the HTTP proxy, as compiled into a snapshot. */
export interface ProxyRoute extends RouteRef {
  readonly target: { readonly kind: 'http-proxy' };
  readonly upstream: UpstreamBalancer;
  /** The prefix to remove from the path before forwarding, or undefined. */
  readonly stripPrefix?: string;
  readonly timeoutMs: number;
}

/**
 * The HTTP reverse-proxy target: one undici dispatcher (keep-alive pools per origin, shared across
 * snapshots so reloads never drop connections), bodies streamed both ways without buffering.
 */
export function createHttpProxyTarget(dispatcher: Dispatcher): RouteTarget {
  return {
    kind: 'http-proxy',
    async handle(ctx: GatewayContext) {
      const route = ctx.route as ProxyRoute;
      const { req, res } = ctx.http!;
      const target = route.upstream.pick();
      ctx.outcome.upstream = target.origin;
      let upstream: Dispatcher.ResponseData;
      try {
        upstream = await dispatcher.request({
          origin: target.origin,
          path: target.basePath + forwardedPath(ctx, route),
          method: ctx.request.method as Dispatcher.HttpMethod,
          headers: upstreamRequestHeaders(ctx.request, ctx.requestId),
          body: hasBody(ctx) ? req : null,
          signal: ctx.signal,
          headersTimeout: route.timeoutMs,
          bodyTimeout: 0,
        });
      } catch (err) {
        throw classifyUpstreamError(err, route.upstream.name, route.timeoutMs, ctx.signal.aborted);
      }
      res.writeHead(upstream.statusCode, downstreamResponseHeaders(upstream.headers));
      ctx.outcome.status = upstream.statusCode;
      let bytes = 0;
      upstream.body.on('data', (chunk: Buffer) => (bytes += chunk.length));
      try {
        await pipeline(upstream.body, res);
      } catch (err) {
        // Mid-stream failure: the client must see an aborted connection, never a clean end.
        res.destroy();
        upstream.body.destroy();
        throw classifyUpstreamError(err, route.upstream.name, route.timeoutMs, ctx.signal.aborted);
      } finally {
        ctx.outcome.bytesOut = bytes;
      }
    },
  };
}

function forwardedPath(ctx: GatewayContext, route: ProxyRoute): string {
  let path = ctx.request.path;
  if (route.stripPrefix && path.startsWith(route.stripPrefix)) {
    path = path.slice(route.stripPrefix.length);
    if (!path.startsWith('/')) path = '/' + path;
  }
  return ctx.request.query ? `${path}?${ctx.request.query}` : path;
}

function hasBody(ctx: GatewayContext): boolean {
  const h = ctx.request.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}
