import express, { type NextFunction, type Request, type Response } from 'express';
import { maskRoute, type AuditActor, type Registry } from '../../registry/index.js';
import type { Registry as MetricsRegistry } from 'prom-client';
import { gatewayError } from '../errors/index.js';
import { sendAdminError } from './admin-errors.js';
import { mountCrud } from './crud.js';
import { mountConsumerKeys } from './consumer-keys.js';
import { mountConsumerTokens } from './consumer-tokens.js';
import { mountLlmAdmin } from './llm.js';
import { mountLlmUsage } from './llm-usage.js';
import { AuthFailureLimiter, type AuthFailurePolicy } from './auth-failures.js';
import type { AccessFeed } from '../observability/access-feed.js';
import { ConsoleSessions } from './console-session.js';
import { mountConsolePublic, mountConsoleSignOut, requireAdminAuth } from './console-routes.js';
import { mountMcpAdmin } from './mcp-admin.js';
import { metricsSummary } from './metrics-summary.js';
import { accessLogStream } from './access-log-stream.js';
import { hostAllowed } from './host-check.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

/** What the admin API reads besides the registry. */
export interface AdminDeps {
  registry: Registry;
  /** The Prometheus series to expose: the gateway's own, or every cluster worker's summed by the primary. */
  metrics: () => Promise<MetricsRegistry>;
  token: string;
  /** Snapshot version, reload times and listeners, as `agate status` shows them. */
  status(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Whether a snapshot is being served. */
  ready(): boolean;
  /** Host header names accepted besides loopback names (lower-case; the bind address when not a wildcard). */
  allowedHosts?: readonly string[];
  /** Failed authentications allowed per client address and window (default 20 per minute). */
  authFailures?: AuthFailurePolicy;
  /** Access-log lines as they are written, for `GET /access-log/stream` (404 without). */
  accessFeed?: AccessFeed;
  /** The data plane's base URL once it listens: the MCP tool endpoints list and call tools through it. */
  dataPlaneUrl?: () => string | undefined;
}

/**
 * The admin API: everything behind `Authorization: Bearer <token>` or the web console's session cookie
 * (docs/console.md); the console's files are served under `/console/`. Health probes are answered before it
 * (probes.ts).
 */
export function createAdminApp(deps: AdminDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requireAllowedHost(new Set((deps.allowedHosts ?? []).map((h) => h.toLowerCase()))));
  const auth = { token: deps.token, sessions: new ConsoleSessions(), failures: new AuthFailureLimiter(deps.authFailures) };
  mountConsolePublic(app, auth);
  app.use(requireAdminAuth(auth));
  // Everything past here (and past its awaits) records its registry changes as made by who signed in.
  app.use((_req, res, next) => deps.registry.audit.runAs(res.locals.auditActor as AuditActor, next));
  mountConsoleSignOut(app, auth.sessions);
  app.use(express.json({ limit: '1mb' }));
  app.use(refuseDeepBodies);
  app.use(writesWithoutWaiting(deps.registry));
  app.get('/status', async (_req, res) => {
    res.json(await deps.status());
  });
  app.get('/metrics', async (_req, res) => {
    const registry = await deps.metrics();
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/metrics/summary', async (_req, res) => {
    res.json(await metricsSummary(await deps.metrics()));
  });
  if (deps.accessFeed) app.get('/access-log/stream', accessLogStream(deps.accessFeed));
  const api = express.Router();
  mountCrud(api, { plural: 'routes', store: deps.registry.routes, show: maskRoute });
  mountCrud(api, { plural: 'upstreams', store: deps.registry.upstreams });
  mountCrud(api, { plural: 'consumers', store: deps.registry.consumers.store });
  mountConsumerKeys(api, deps.registry);
  mountConsumerTokens(api, deps.registry);
  mountLlmAdmin(api, deps.registry);
  mountLlmUsage(api, deps.registry);
  mountMcpAdmin(api, { registry: deps.registry, dataPlaneUrl: deps.dataPlaneUrl ?? (() => undefined) });
  app.use(api);
  app.get('/audit', (req, res) => {
    res.json({ items: deps.registry.audit.list(Math.min(Number(req.query.limit) || 100, 1000)) });
  });
  app.use((_req, res) => sendAdminError(res, gatewayError('GW_ERR_ADMIN_NOT_FOUND', 'no such admin endpoint')));
  app.use(adminErrorHandler);
  return app;
}

/** Errors thrown by handlers or express's body parser, in the catalogue's terms. */
// eslint-disable-next-line max-params -- Express tells an error handler from other middleware by its four parameters.
function adminErrorHandler(err: Error & { status?: number; type?: string; code?: unknown; limit?: number }, req: Request, res: Response, _next: NextFunction): void {
  if (typeof err.code === 'string' && err.code.startsWith('SQLITE_BUSY')) {
    return sendAdminError(res, gatewayError('GW_ERR_ADMIN_REGISTRY_BUSY', `${req.method} ${req.path}`), { headers: { 'Retry-After': '1' } });
  }
  if (err.type === 'entity.too.large') return sendAdminError(res, gatewayError('GW_ERR_BODY_TOO_LARGE', err.limit));
  if (err.type === 'entity.parse.failed') return sendAdminError(res, gatewayError('GW_ERR_BAD_REQUEST', `body is not valid JSON: ${err.message}`));
  if (err.status && err.status >= 400 && err.status < 500) return sendAdminError(res, gatewayError('GW_ERR_BAD_REQUEST', err.message));
  sendAdminError(res, gatewayError('GW_ERR_INTERNAL'));
}

/**
 * Admin writes never sleep in SQLite's busy handler: with another process holding the write lock it would hold
 * the event loop that serves traffic for up to the busy timeout (5 s). They fail at once instead (SQLITE_BUSY,
 * answered 503 by the error handler). The handlers past this point run synchronously inside `next()` (body
 * parsing is done; registry calls are synchronous), so the no-wait setting covers exactly their writes.
 */
function writesWithoutWaiting(registry: Registry) {
  return function adminWriteNoWait(req: Request, _res: Response, next: NextFunction) {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    registry.tryWrite(() => next());
  };
}

/** DNS rebinding: a page served from a name the attacker controls reaches us with that name in Host. */
function requireAllowedHost(allowed: ReadonlySet<string>) {
  return function adminHost(req: Request, res: Response, next: NextFunction) {
    if (hostAllowed(req.headers.host, allowed)) return next();
    sendAdminError(res, gatewayError('GW_ERR_ADMIN_HOST_NOT_ALLOWED', req.headers.host ?? ''));
  };
}

/** A body nested deeper than any config needs would overflow schema validation's recursion (a 500 before). */
function refuseDeepBodies(req: Request, res: Response, next: NextFunction): void {
  if (!nestsDeeperThan(req.body, MAX_JSON_DEPTH)) return next();
  sendAdminError(res, gatewayError('GW_ERR_BAD_REQUEST', `body nests deeper than ${MAX_JSON_DEPTH} levels`));
}
