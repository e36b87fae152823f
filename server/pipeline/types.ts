import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** The protocol a request came in on. */
export type RequestKind = 'http' | 'llm' | 'mcp';

/** The target kinds `dispatch` can hand a request to. */
export type TargetKind = 'http-proxy' | 'llm-router' | 'mcp-router' | 'mcp-settings';

/** What the client sent, as parsed by the ingress adapter. */
export interface RequestInfo {
  readonly method: string;
  /** The path, percent-decoding left as sent (normalised by the ingress adapter). */
  readonly path: string;
  /** The raw query string without '?', or ''. */
  readonly query: string;
  readonly host: string;
  readonly headers: IncomingHttpHeaders;
  /** The peer's address (the socket's, never a header's). */
  readonly remoteAddress: string;
  /** 'http' or 'https' as seen by the gateway's listener. */
  readonly protocol: 'http' | 'https';
  /** The client's address: the peer, or from X-Forwarded-For when the peer is a trusted proxy. Absent = remoteAddress. */
  readonly clientIp?: string;
  /** The X-Forwarded-For to send upstream: replaced for untrusted peers, appended for trusted ones. Absent = remoteAddress. */
  readonly forwardedFor?: string;
}

/** What the access log and metrics record about the outcome; filters and targets fill it in. */
export interface Outcome {
  status?: number;
  flag?: string;
  errorCode?: string;
  upstream?: string;
  bytesOut?: number;
  /** Extra access-log fields a subsystem adds (LLM usage, TTFT); logged as they are. */
  fields?: Record<string, unknown>;
  /**
   * Set by a target whose response goes on after the pipeline returns (a long-lived event stream): the
   * access-log line and metrics wait for it, while the filters' frames are released at once.
   */
  settled?: Promise<void>;
}

/** A route as compiled into a snapshot: what dispatch needs to find the target. */
export interface RouteRef {
  readonly name: string;
  readonly target: { readonly kind: TargetKind };
}

/** The authenticated client, set by the auth filter. */
export interface ConsumerIdentity {
  readonly name: string;
  readonly groups: readonly string[];
  /** An OAuth access token's holder (unset for agate consumers): whose token, from which issuer, with which scopes. */
  readonly oauth?: OAuthSubject;
}

/** The holder of a verified OAuth access token; the consumer name is `<issuer>#<sub>`, so issuers never collide. */
export interface OAuthSubject {
  readonly issuer: string;
  readonly subject: string;
  readonly scopes: readonly string[];
}

/**
 * The 401 the `auth` filter set aside for a request it let through anonymously (policy `always`): a later filter
 * that finds the resource needs a consumer (an LLM model for consumers only, an MCP member's allow list) throws it.
 */
export interface AuthRefusal {
  /** No credential was presented (GW_ERR_AUTH_MISSING); otherwise the presented one was invalid (GW_ERR_AUTH_INVALID). */
  readonly missing: boolean;
  /** The WWW-Authenticate challenge to answer with. */
  readonly challenge: Readonly<Record<string, string>>;
  /** Why the credential was rejected (logs only). */
  readonly cause?: unknown;
}

/** Per-request state shared by every filter. Filters that add fields declare them in their own types. */
export interface GatewayContext {
  readonly requestId: string;
  readonly kind: RequestKind;
  /** process.hrtime.bigint() at arrival. */
  readonly startedAt: bigint;
  /** Aborted when the client goes away; targets pass it to upstream calls. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly request: RequestInfo;
  /** The raw exchange, for targets that stream (HTTP proxying). */
  readonly http?: { readonly req: IncomingMessage; readonly res: ServerResponse };
  route?: RouteRef;
  /** Set by the auth filter when the client proved who it is. */
  consumer?: ConsumerIdentity;
  /** Set by the auth filter when it let an unauthenticated request through anonymously (see AuthRefusal). */
  authRefusal?: AuthRefusal;
  /**
   * Headers the filters add to the answer (RateLimit-*, CORS), merged under the answer's own by whoever writes
   * the head, in one `writeHead`. Filters never call `res.setHeader`: one header set before `writeHead` sends
   * Node down its slow path, which re-sets every header of the head one by one (measured: 4 µs of a proxied
   * request). Use `addResponseHeaders`.
   */
  responseHeaders?: Record<string, string>;
  outcome: Outcome;
}

/** Adds `headers` to the ones the answer will carry (see GatewayContext.responseHeaders); may keep `headers` itself. */
export function addResponseHeaders(ctx: GatewayContext, headers: Record<string, string>): void {
  const current = ctx.responseHeaders;
  if (current) Object.assign(current, headers);
  else ctx.responseHeaders = headers;
}

/** Sets the filters' headers on `res` (answers off the hot path: a filter's own, an error), under the head's own. */
export function setResponseHeaders(res: ServerResponse, added: Record<string, string> | undefined): void {
  if (added) for (const name in added) res.setHeader(name, added[name]!);
}

/** Puts the filters' headers into `head` where the answer does not set them itself (the answer's own win). */
export function mergeResponseHeaders(head: Record<string, unknown>, added: Record<string, string> | undefined): void {
  if (added) for (const name in added) if (head[name] === undefined) head[name] = added[name];
}

/** Continues to the next filter. */
export type Next = () => Promise<void>;

/** One stage of the onion; code after `await next()` runs on the response path. */
export type Filter = (ctx: GatewayContext, next: Next) => Promise<void>;

/** A terminal handler for one target kind. */
export interface RouteTarget {
  readonly kind: TargetKind;
  handle(ctx: GatewayContext): Promise<void>;
}
