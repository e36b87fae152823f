import { join } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { packageRoot } from '../../registry/index.js';
import { gatewayError } from '../errors/index.js';
import { sendAdminError } from './admin-errors.js';
import { tokenMatches } from './admin-token.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import { csrfRefusal, sessionCookie, sessionIdOf, sessionLabel, type ConsoleSessions } from './console-session.js';

/** What the console's routes need from the admin app. */
export interface ConsoleDeps {
  readonly token: string;
  readonly sessions: ConsoleSessions;
  readonly failures: AuthFailureLimiter;
}

/**
 * Everything the console page loads comes from this listener (no CDN, fonts or inline code), so the policy can
 * be `'self'` throughout; framing is refused (clickjacking) and nothing leaks in a Referer.
 */
const CONSOLE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * Mounts the console's files under `/console/` (HTML and CSS from console/static, scripts compiled to
 * dist/console) and its sign-in `POST /console/session`, both ahead of the admin token check: the page is public
 * code, the sign-in checks the token itself.
 */
export function mountConsolePublic(app: Express, deps: ConsoleDeps): void {
  const root = packageRoot();
  const serve = { setHeaders: (res: Response) => res.set(CONSOLE_HEADERS), fallthrough: true, index: 'index.html', redirect: true };
  app.use('/console', express.static(join(root, 'console', 'static'), serve));
  app.use('/console', express.static(join(root, 'dist', 'console'), { ...serve, index: false }));
  app.post('/console/session', express.json({ limit: '4kb' }), signIn(deps));
}

/** `DELETE /console/session` (behind the token check): signs out, forgetting the session server-side. */
export function mountConsoleSignOut(app: Express, sessions: ConsoleSessions): void {
  app.delete('/console/session', (req, res) => {
    sessions.close(sessionIdOf(req.headers));
    res.set('Set-Cookie', sessionCookie('')).status(204).end();
  });
}

function signIn(deps: ConsoleDeps) {
  return function consoleSignIn(req: Request, res: Response): void {
    // Login CSRF: another site must not sign the browser in either.
    const refusal = csrfRefusal(req.method, req.headers);
    if (refusal) return sendAdminError(res, refusal);
    const address = req.socket.remoteAddress ?? '';
    const wait = deps.failures.retryAfterSeconds(address);
    if (wait > 0) return sendAdminError(res, gatewayError('GW_ERR_ADMIN_AUTH_RATE_LIMITED', address, wait), { headers: { 'Retry-After': String(wait) } });
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') return sendAdminError(res, gatewayError('GW_ERR_BAD_REQUEST', 'body.token: the admin token is required'));
    if (!tokenMatches(token.trim(), deps.token)) {
      deps.failures.fail(address);
      return sendAdminError(res, gatewayError('GW_ERR_ADMIN_UNAUTHORIZED'));
    }
    deps.failures.succeed(address);
    res.set('Set-Cookie', sessionCookie(deps.sessions.open())).status(204).end();
  };
}

/**
 * The admin token check, accepting the console's session cookie where no Authorization header is sent; a
 * cookie-authenticated write must pass the CSRF check. A forged or stale cookie counts as a failed attempt. Who
 * passed (the admin token, or which console session) and from where goes to `res.locals.auditActor`.
 */
export function requireAdminAuth(deps: ConsoleDeps) {
  const { token, sessions, failures } = deps;
  return function adminAuth(req: Request, res: Response, next: NextFunction) {
    const address = req.socket.remoteAddress ?? '';
    const wait = failures.retryAfterSeconds(address);
    if (wait > 0) {
      return sendAdminError(res, gatewayError('GW_ERR_ADMIN_AUTH_RATE_LIMITED', address, wait), { headers: { 'Retry-After': String(wait) } });
    }
    const header = req.headers.authorization;
    const session = sessionIdOf(req.headers);
    if (header === undefined && sessions.check(session)) {
      const refusal = csrfRefusal(req.method, req.headers);
      if (refusal) return sendAdminError(res, refusal);
      res.locals.auditActor = { actor: sessionLabel(session!), address };
      return next();
    }
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!presented || !tokenMatches(presented, token)) {
      failures.fail(address);
      return sendAdminError(res, gatewayError('GW_ERR_ADMIN_UNAUTHORIZED'), { headers: { 'WWW-Authenticate': 'Bearer realm="agate-admin"' } });
    }
    failures.succeed(address);
    res.locals.auditActor = { actor: 'admin token', address };
    next();
  };
}
