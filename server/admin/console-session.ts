/**
 * The web console's sign-in: the admin token, presented once, buys an opaque session id kept in an HttpOnly,
 * SameSite=Strict cookie. The id is random (not the token), so what the browser holds can be revoked (sign-out)
 * and dies with the process. A cookie reaches us from any page the browser shows, so a cookie-authenticated
 * request that changes state must also prove it came from our own script: `X-Agate-Console: 1` (a custom header
 * forces a CORS preflight, which we never answer) and an `Origin` naming this listener (Host is checked already).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { gatewayError, type GatewayError } from '../errors/index.js';

/** The session cookie's name. */
export const CONSOLE_COOKIE = 'agate_console';
/** The header our own script adds to every request. */
export const CONSOLE_HEADER = 'x-agate-console';

/** How long a session lives without use, and how many live at once (the oldest goes first). */
const IDLE_MS = 8 * 3600_000;
const MAX_SESSIONS = 64;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Console sessions of one admin listener, in memory. */
export class ConsoleSessions {
  private readonly sessions = new Map<string, number>();

  /** Starts a session; returns its id (the cookie value). */
  open(): string {
    const id = randomBytes(32).toString('base64url');
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(id, Date.now());
    return id;
  }

  /** Whether `id` names a live session (refreshing its idle timer). */
  check(id: string | undefined): boolean {
    if (!id) return false;
    const last = this.sessions.get(id);
    if (last === undefined) return false;
    if (Date.now() - last > IDLE_MS) {
      this.sessions.delete(id);
      return false;
    }
    // Re-inserting keeps the Map in least-recently-used order for the eviction above.
    this.sessions.delete(id);
    this.sessions.set(id, Date.now());
    return true;
  }

  /** Ends session `id`. */
  close(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}

/**
 * How the audit log names session `id`: "console session" and 8 hex digits of its SHA-256. Derived, not a slice of
 * the id, so the log holds nothing that signs anyone in.
 */
export function sessionLabel(id: string): string {
  return `console session ${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

/** The Set-Cookie value that stores session `id` (empty `id`: one that deletes the cookie). */
export function sessionCookie(id: string): string {
  // No Secure: the admin listener is plain http on loopback, where a Secure cookie would never be sent back.
  return `${CONSOLE_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict${id ? '' : '; Max-Age=0'}`;
}

/** The session id in a Cookie header, if any. */
export function sessionIdOf(headers: IncomingHttpHeaders): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === CONSOLE_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Why a cookie-authenticated request may not proceed (a GW_ERR_ADMIN_CSRF error), or undefined. Reads pass: the
 * SameSite=Strict cookie is not sent on cross-site navigations, and the same-origin policy keeps other pages from
 * reading the answers. Writes need our header and our own origin.
 */
export function csrfRefusal(method: string, headers: IncomingHttpHeaders): GatewayError | undefined {
  if (SAFE_METHODS.has(method)) return undefined;
  const what = `${method} without Authorization`;
  if (headers[CONSOLE_HEADER] !== '1') return gatewayError('GW_ERR_ADMIN_CSRF', what, `the ${CONSOLE_HEADER}: 1 header is missing`);
  const origin = headers.origin;
  if (!origin) return gatewayError('GW_ERR_ADMIN_CSRF', what, 'the Origin header is missing');
  // https: the listener may sit behind a TLS-terminating proxy that keeps the Host header.
  const host = headers.host ?? '';
  if (origin !== `http://${host}` && origin !== `https://${host}`) return gatewayError('GW_ERR_ADMIN_CSRF', what, `Origin ${origin} is not this listener (http://${host})`);
  return undefined;
}
