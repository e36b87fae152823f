import type { Filter } from '../pipeline/index.js';
import { toGatewayError } from '../errors/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { AccessFeed } from '../observability/access-feed.js';

/**
 * Outermost filter: after the rest of the pipeline finishes (or throws), writes one access-log line and
 * updates the request metrics, so auth failures and 404s are recorded too. The line also goes to `feed` (the
 * admin console's live Traffic view) when someone listens.
 */
export function observability(metrics: GatewayMetrics, feed?: AccessFeed): Filter {
  return async function observe(ctx, next) {
    try {
      await next();
    } catch (err) {
      const e = toGatewayError(err);
      ctx.outcome.status ??= e.status;
      ctx.outcome.flag ??= e.flag;
      ctx.outcome.errorCode = e.code;
      throw e;
    } finally {
      if (ctx.outcome.settled) void ctx.outcome.settled.then(record, record);
      else record();
    }

    function record(): void {
      const seconds = Number(process.hrtime.bigint() - ctx.startedAt) / 1e9;
      const route = ctx.route?.name ?? '';
      const status = ctx.outcome.status ?? 0;
      const flag = ctx.outcome.flag ?? '-';
      metrics.requests.inc({ route, status, flag });
      metrics.latency.observe({ route }, seconds);
      const entry = {
        requestId: ctx.requestId,
        kind: ctx.kind,
        method: ctx.request.method,
        path: ctx.request.path,
        route: route || undefined,
        upstream: ctx.outcome.upstream,
        consumer: ctx.consumer?.name,
        status,
        flag,
        code: ctx.outcome.errorCode,
        bytes: ctx.outcome.bytesOut ?? 0,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...ctx.outcome.fields,
      };
      ctx.log.info(entry, 'access');
      if (feed?.active) feed.publish({ time: Date.now(), ...entry });
    }
  };
}
