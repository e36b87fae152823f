import { compileConfigRegex, type CanarySpec } from '../../../registry/index.js';
import type { GatewayContext } from '../../pipeline/index.js';
import { cookie } from './balance-policies.js';
import type { UpstreamPool } from './upstream-pool.js';

/**
 * nginx-ingress canary rules, in their order of precedence: header (value, else regex, else
 * `always`/`never`), then cookie (`always`/`never`), then weight. A header that matches wins over the weight;
 * a header with another value is ignored and the next rule decides.
 */
export function canarySelector(main: UpstreamPool, canary: UpstreamPool, spec: CanarySpec): (ctx: GatewayContext) => UpstreamPool {
  const header = spec.header?.toLowerCase();
  const headerRe = spec.headerRegex !== undefined ? compileConfigRegex(`^(?:${spec.headerRegex})$`, 'route.canary.headerRegex') : undefined;
  return function chooseCanary(ctx) {
    if (header) {
      const raw = ctx.request.headers[header];
      const v = Array.isArray(raw) ? raw[0] : raw;
      if (v !== undefined) {
        if (spec.headerValue !== undefined) {
          if (v === spec.headerValue) return canary;
        } else if (headerRe) {
          if (headerRe.test(v)) return canary;
        } else if (v === 'always') return canary;
        else if (v === 'never') return main;
      }
    }
    if (spec.cookie) {
      const c = cookie(ctx.request.headers.cookie, spec.cookie);
      if (c === 'always') return canary;
      if (c === 'never') return main;
    }
    return spec.weight > 0 && Math.random() * 100 < spec.weight ? canary : main;
  };
}
