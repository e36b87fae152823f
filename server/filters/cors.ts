import { compileConfigRegex, type CorsSpec } from '../../registry/index.js';
import { gatewayError } from '../errors/index.js';
import { addResponseHeaders, type Filter } from '../pipeline/index.js';
import { respond } from './respond.js';

/**
 * CORS (Fetch standard §3.2): answers preflights itself (204, never forwarded), adds the allow headers to
 * actual responses from allowed origins, and leaves requests without `Origin` untouched.
 */
export function cors(config: CorsSpec): Filter {
  const originAllowed = originMatcher(config.allowOrigins ?? ['*']);
  const wildcard = (config.allowOrigins ?? ['*']).includes('*') && !config.allowCredentials;
  const methods = config.allowMethods.join(', ');
  const expose = config.exposeHeaders.join(', ');
  return async function applyCors(ctx, next) {
    const origin = ctx.request.headers.origin;
    if (!origin) return next();
    const allowed = originAllowed(origin);
    const preflight = ctx.request.method === 'OPTIONS' && ctx.request.headers['access-control-request-method'] !== undefined;
    if (preflight) {
      if (!allowed) throw gatewayError('GW_ERR_CORS_DENIED', origin);
      const requested = ctx.request.headers['access-control-request-headers'];
      const headers = {
        ...originHeaders(origin, wildcard, config.allowCredentials),
        'access-control-allow-methods': methods,
        'access-control-allow-headers': config.allowHeaders.length ? config.allowHeaders.join(', ') : (requested ?? ''),
        'access-control-max-age': String(config.maxAgeSeconds),
      };
      respond(ctx, { status: 204, headers });
      return;
    }
    if (allowed) {
      const headers = originHeaders(origin, wildcard, config.allowCredentials);
      if (expose) headers['access-control-expose-headers'] = expose;
      addResponseHeaders(ctx, headers);
    }
    await next();
  };
}

function originHeaders(origin: string, wildcard: boolean, credentials: boolean): Record<string, string> {
  const h: Record<string, string> = { 'access-control-allow-origin': wildcard ? '*' : origin };
  if (!wildcard) h.vary = 'Origin';
  if (credentials) h['access-control-allow-credentials'] = 'true';
  return h;
}

function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')).map((p) => p.toLowerCase()));
  // `https://*.example.com` matches any subdomain, never example.com itself or evil-example.com.
  const wild = patterns
    .filter((p) => p.includes('*'))
    .map((p) => compileConfigRegex('^' + p.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z0-9-]+(?:\\.[a-z0-9-]+)*') + '$', 'cors.allowOrigins'));
  return (origin) => {
    const o = origin.toLowerCase();
    return exact.has(o) || wild.some((re) => re.test(o));
  };
}
