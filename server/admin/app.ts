import express, { type NextFunction, type Request, type Response } from 'express';
import { maskRoute, type Registry } from '../../registry/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { mountCrud } from './crud.js';
import { mountConsumerKeys } from './consumer-keys.js';
import { mountLlmAdmin } from './llm.js';
import { tokenMatches } from './admin-token.js';
import { AuthFailureLimiter, type AuthFailurePolicy } from './auth-failures.js';
import { hostAllowed } from './host-check.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

/** What the admin API reads besides the registry. */
export interface AdminDeps {
  registry: Registry;
  metrics: GatewayMetrics;
  token: string;
  /** Snapshot version, reload times and listeners, as `agate status` shows them. */
  status(): Record<string, unknown>;
  /** Whether a snapshot is being served. */
  ready(): boolean;
  /** Host header names accepted besides loopback names (lower-case; the bind address when not a wildcard). */
  allowedHosts?: readonly string[];
  /** Failed authentications allowed per client address and window (default 20 per minute). */
  authFailures?: AuthFailurePolicy;
}

/** The admin API: health probes open, everything else behind `Authorization: Bearer <token>`. */
export function createAdminApp(deps: AdminDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.ready();
    res.status(ready ? 200 : 503).json({ ready });
  });
  app.use(requireAllowedHost(new Set((deps.allowedHosts ?? []).map((h) => h.toLowerCase()))));
  app.use(requireToken(deps.token, new AuthFailureLimiter(deps.authFailures)));
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseDeepBodies);
  app.get('/status', (_req, res) => {
    res.json(deps.status());
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  const api = express.Router();
  mountCrud(api, { plural: 'routes', store: deps.registry.routes, show: maskRoute });
  mountCrud(api, { plural: 'upstreams', store: deps.registry.upstreams });
  mountCrud(api, { plural: 'consumers', store: deps.registry.consumers.store });
  mountConsumerKeys(api, deps.registry);
  mountLlmAdmin(api, deps.registry);
  app.use(api);
  app.get('/audit', (req, res) => {
    res.json({ items: deps.registry.audit.list(Math.min(Number(req.query.limit) || 100, 1000)) });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such admin endpoint' } });
  });
  // eslint-disable-next-line max-params -- Express tells an error handler from other middleware by its four parameters.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const message = err.type === 'entity.parse.failed' ? `body is not valid JSON: ${err.message}` : status === 500 ? 'internal error' : err.message;
    res.status(status).json({ error: { code: status === 500 ? 'internal' : 'bad_request', message } });
  });
  return app;
}

/** DNS rebinding: a page served from a name the attacker controls reaches us with that name in Host. */
function requireAllowedHost(allowed: ReadonlySet<string>) {
  return function adminHost(req: Request, res: Response, next: NextFunction) {
    if (hostAllowed(req.headers.host, allowed)) return next();
    res.status(403).json({
      error: { code: 'host_not_allowed', message: `Host "${req.headers.host ?? ''}" is not a loopback name or one of the admin API's allowed hosts (--admin-allowed-host)` },
    });
  };
}

/** A body nested deeper than any config needs would overflow schema validation's recursion (a 500 before). */
function refuseDeepBodies(req: Request, res: Response, next: NextFunction): void {
  if (!nestsDeeperThan(req.body, MAX_JSON_DEPTH)) return next();
  res.status(400).json({ error: { code: 'bad_request', message: `body nests deeper than ${MAX_JSON_DEPTH} levels` } });
}

function requireToken(token: string, failures: AuthFailureLimiter) {
  return function adminAuth(req: Request, res: Response, next: NextFunction) {
    const address = req.socket.remoteAddress ?? '';
    const wait = failures.retryAfterSeconds(address);
    if (wait > 0) {
      res.status(429).set('Retry-After', String(wait)).json({
        error: { code: 'rate_limited', message: `too many failed admin authentications from ${address}; try again in ${wait} s` },
      });
      return;
    }
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!presented || !tokenMatches(presented, token)) {
      failures.fail(address);
      res.status(401).set('WWW-Authenticate', 'Bearer realm="agate-admin"').json({
        error: { code: 'unauthorized', message: 'admin API needs Authorization: Bearer <token> (AGATE_ADMIN_TOKEN or the admin.token file)' },
      });
      return;
    }
    failures.succeed(address);
    next();
  };
}
