import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { CONSOLE_COOKIE } from '../../admin/console-session.js';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  // The gateway answers Expect itself (Node sends 100 Continue); undici refuses to send it upstream.
  'expect',
]);

/** Removes hop-by-hop headers, including any the sender listed in its own `Connection` header. */
export function stripHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const listed = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined || HOP_BY_HOP.has(key) || listed?.has(key)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Headers a client may use to tell an application what the gateway saw (its own address, port, prefix or the
 * "original" URL behind a rewrite: IIS/Symfony `X-Original-URL`/`X-Rewrite-URL`, Envoy's original path). They are
 * the gateway's to say: from an untrusted peer they are dropped (X-Forwarded-For/-Proto/-Host/-Port are then set
 * by the gateway), with its RFC 7239 `Forwarded`.
 */
const CLIENT_CLAIMS = new Set(['x-forwarded-port', 'x-forwarded-prefix', 'x-original-url', 'x-rewrite-url', 'x-envoy-original-path', 'forwarded']);

/** The names a request's headers are never forwarded under: hop-by-hop ones plus `extra` (consumed credentials). */
export function unforwardedHeaders(extra: readonly string[]): ReadonlySet<string> {
  return new Set([...HOP_BY_HOP, ...extra]);
}

/**
 * The client's end-to-end headers to send upstream, in one pass (no `delete`: an object that loses properties
 * falls back to slow dictionary mode, and undici walks it again). Leaves out the names in `skip`, any the sender
 * listed in its own `Connection` header, names with `_` (nginx `underscores_in_headers off`, Envoy
 * `headers_with_underscores_action`: CGI-style stacks map `X-Forwarded-For` and `X_Forwarded_For` to the same
 * variable, so one would shadow the header the gateway sets) and, from an untrusted peer, its forwarding and
 * path-override claims.
 */
export function forwardedRequestHeaders(headers: IncomingHttpHeaders, skip: ReadonlySet<string>, trusted: boolean): Record<string, string | string[]> {
  const listed = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined || skip.has(key) || listed?.has(key) || key.includes('_') || (!trusted && CLIENT_CLAIMS.has(key))) continue;
    if (key === 'cookie' && value.includes(CONSOLE_SESSION)) {
      const kept = withoutConsoleSession(value as string);
      if (kept) out[key] = kept;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * The console's session cookie is an agate credential like a consumer key: browsers do not separate cookies by port,
 * so one signed in to the console at 127.0.0.1 sends it to the data plane on the same host too. It never goes upstream.
 */
const CONSOLE_SESSION = `${CONSOLE_COOKIE}=`;

function withoutConsoleSession(cookie: string): string {
  return cookie
    .split(';')
    .filter((pair) => !pair.trimStart().startsWith(CONSOLE_SESSION))
    .join(';')
    .trim();
}

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = text.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t && t !== 'close' && t !== 'keep-alive');
  return tokens.length ? new Set(tokens) : undefined;
}

/** The upstream's response headers minus hop-by-hop ones, ready for `res.writeHead`. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return stripHopByHop(headers);
}
