import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RequestInfo } from '../../pipeline/index.js';

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
 * by the gateway).
 */
const CLIENT_CLAIMS = ['x-forwarded-port', 'x-forwarded-prefix', 'x-original-url', 'x-rewrite-url', 'x-envoy-original-path'];

/**
 * Drops header names with `_` (nginx `underscores_in_headers off`, Envoy `headers_with_underscores_action`):
 * CGI-style stacks map `X-Forwarded-For` and `X_Forwarded_For` to the same variable, so one would shadow the
 * header the gateway sets. With `trusted` false, also the client's forwarding and path-override claims.
 */
export function dropClientClaims(headers: Record<string, string | string[]>, trusted: boolean): void {
  for (const name in headers) if (name.includes('_')) delete headers[name];
  if (!trusted) for (const name of CLIENT_CLAIMS) delete headers[name];
}

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = text.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t && t !== 'close' && t !== 'keep-alive');
  return tokens.length ? new Set(tokens) : undefined;
}

/**
 * The headers sent upstream: the client's end-to-end headers plus X-Forwarded-For/-Proto/-Host.
 * X-Forwarded-For is replaced by the socket address (appended to only for trusted proxies, as the ingress
 * decided): a client must not be able to claim an address.
 */
export function upstreamRequestHeaders(req: RequestInfo, requestId: string): Record<string, string | string[]> {
  const headers = stripHopByHop(req.headers);
  dropClientClaims(headers, req.forwardedFor !== undefined);
  headers['x-forwarded-for'] = req.forwardedFor ?? req.remoteAddress;
  headers['x-forwarded-proto'] = req.protocol;
  headers['x-forwarded-host'] = req.host;
  headers['x-request-id'] = requestId;
  return headers;
}

/** The upstream's response headers minus hop-by-hop ones, ready for `res.writeHead`. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return stripHopByHop(headers);
}
