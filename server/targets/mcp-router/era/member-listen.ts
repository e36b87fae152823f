import type {
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  RequestId,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { isNotification, isObject, isResponse } from '../json-rpc.js';
import { JsonRpcCode, refusalOf } from '../mcp-errors.js';
import { LISTEN_METHOD, META } from '../modern-protocol.js';

/** What a `subscriptions/listen` request asks for (2026-07-28 SubscriptionFilter): the kinds of change, the URIs. */
interface ListenFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

/** Bounds of one session's listening (what a member or a client controls). */
interface ListenLimits {
  /** Resource URIs one session may follow on one member (and subscribes it may have waiting). */
  readonly maxSubscriptions: number;
  /** First delay before a dropped or failed listen stream is opened again, ms (doubles per failure). */
  readonly retryInitialMs: number;
  /** Longest such delay, ms. */
  readonly retryMaxMs: number;
  /** How long a notification delivered by the stream being replaced suppresses the same one from its successor, ms. */
  readonly overlapMs: number;
}

const LIMITS: ListenLimits = Object.freeze({ maxSubscriptions: 256, retryInitialMs: 250, retryMaxMs: 30_000, overlapMs: 2_000 });

/** What the listening needs from the transport it lives in (ModernUpstream). */
export interface MemberListenDeps {
  readonly member: string;
  /** Sends a message of its own to the member (a request gets the session's 2026 envelope). */
  send(message: JSONRPCRequest | JSONRPCNotification): Promise<void>;
  /** Hands a notification into the 2025 session, as a 2025 member's GET-stream notification. */
  deliver(message: JSONRPCNotification): void;
  /** Answers a client request in the member's place. */
  answer(message: JSONRPCResponse): void;
}

/** One `subscriptions/listen` request and its stream. */
interface Listen {
  readonly id: string;
  readonly filter: ListenFilter;
  /** Its stream ended (answered, failed, or cancelled by us): nothing more to cancel. */
  ended: boolean;
  /** When the member acknowledged it (ms since the epoch). */
  ackedAt?: number;
}

/** A client's `resources/subscribe` waiting for the acknowledgement of a filter that holds its URI. */
interface Waiting {
  readonly request: JSONRPCRequest;
  readonly uri: string;
}

/** Ids of agate's listen requests: unique in the process, so a log line names one stream. */
const LISTEN_ID_PREFIX = 'agate-listen-';
let listenIds = 0;

/** A JSON-RPC error object (a member's, or agate's McpError). */
interface WireError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** Notifications of a replaced stream remembered for de-duplication, at most (the oldest go first). */
const MAX_OVERLAP = 64;

/** Member errors that will not change by asking again. */
const PERMANENT_REFUSALS: ReadonlySet<number> = new Set([JsonRpcCode.MethodNotFound, JsonRpcCode.InvalidParams]);

/**
 * A 2025 session's resource subscriptions and list-change notifications over a 2026-07-28 member, which has no
 * `resources/subscribe` and no standalone stream: one `subscriptions/listen` stream per session carries what the
 * member's capabilities announce (`listChanged` kinds) and the URIs the client subscribed to
 * (subscriptions/listen.mdx). A change of the URI set opens a stream with the new filter before the old one is
 * cancelled (nothing is missed in between), a stream that drops is opened again with backoff. A subscribe is
 * answered once the member acknowledged a filter holding its URI (or refused it); an unsubscribe at once (updates
 * for URIs no longer followed are dropped here). The member's notifications reach the session without the
 * subscription's `_meta` key, as a 2025 member's would, so the router handles them as it does those.
 */
export class MemberListen {
  private readonly limits = LIMITS;
  private kinds: Omit<ListenFilter, 'resourceSubscriptions'> = {};
  private canSubscribe = false;
  /** The URIs the client follows (as the member names them). */
  private readonly uris = new Set<string>();
  private readonly waiting: Waiting[] = [];
  /** The acknowledged stream notifications are taken from. */
  private serving: Listen | undefined;
  /** The stream opened to replace `serving`, not acknowledged yet. */
  private opening: Listen | undefined;
  /** The wanted filter changed while `opening` was on its way: open again once it settles. */
  private stale = false;
  /** Notifications the replaced stream delivered while its successor opened, and when: not delivered twice. */
  private overlap: Array<{ key: string; at: number }> = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The member refused to listen for good (it does not serve the method, or not this filter). */
  private refused = false;
  private closed = false;

  constructor(private readonly deps: MemberListenDeps) {}

  /** The member's `server/discover` capabilities: the list-change kinds to listen for, and whether it takes subscriptions. */
  discovered(capabilities: ServerCapabilities): void {
    this.kinds = {
      ...(capabilities.tools?.listChanged ? { toolsListChanged: true } : {}),
      ...(capabilities.prompts?.listChanged ? { promptsListChanged: true } : {}),
      ...(capabilities.resources?.listChanged ? { resourcesListChanged: true } : {}),
    };
    this.canSubscribe = capabilities.resources?.subscribe === true;
    this.sync();
  }

  /** Whether the member takes resource subscriptions (else `resources/subscribe` has no 2026 counterpart here). */
  get subscribable(): boolean {
    return this.canSubscribe && !this.refused;
  }

  /** A client's `resources/subscribe`: answered once the member acknowledged the URI. */
  subscribe(request: JSONRPCRequest, uri: string): void {
    if (this.uris.has(uri) && !this.opening && acknowledges(this.serving, uri)) return this.succeed(request);
    if ((!this.uris.has(uri) && this.uris.size >= this.limits.maxSubscriptions) || this.waiting.length >= this.limits.maxSubscriptions) {
      const limit = new GatewayError(errors.GW_ERR_MCP_SUBSCRIPTION_LIMIT, [this.uris.size, this.deps.member]);
      return this.fail(request, refusalOf(JsonRpcCode.ServerError, limit, { data: { server: this.deps.member } }));
    }
    this.uris.add(uri);
    this.waiting.push({ request, uri });
    this.sync();
  }

  /** A client's `resources/unsubscribe`: answered at once, the member's filter narrowed behind it. */
  unsubscribe(request: JSONRPCRequest, uri: string): void {
    this.uris.delete(uri);
    this.succeed(request);
    this.sync();
  }

  /** Takes what belongs to a listen stream of this session (its acknowledgement, notifications, end); false for anything else. */
  received(message: JSONRPCMessage, relatedRequestId: RequestId | undefined): boolean {
    const id = isResponse(message) ? message.id : isNotification(message) ? subscriptionOf(message) ?? relatedRequestId : undefined;
    const listen = id === this.serving?.id ? this.serving : id === this.opening?.id ? this.opening : undefined;
    if (!listen) return typeof id === 'string' && id.startsWith(LISTEN_ID_PREFIX);
    if (isResponse(message)) this.ended(listen, 'error' in message ? message.error : undefined);
    else if (message.method === 'notifications/subscriptions/acknowledged') this.acknowledged(listen, message);
    else this.notified(listen, message as JSONRPCNotification);
    return true;
  }

  /** The upstream session ended: nothing is opened again; its transport closes the streams. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.serving = this.opening = undefined;
  }

  /** The filter the session needs now; undefined: nothing to listen for. */
  private wanted(): ListenFilter | undefined {
    const filter: ListenFilter = { ...this.kinds, ...(this.uris.size > 0 && this.canSubscribe ? { resourceSubscriptions: [...this.uris] } : {}) };
    return Object.keys(filter).length > 0 ? filter : undefined;
  }

  /** Brings the member's stream in line with what the session needs. */
  private sync(): void {
    if (this.closed || this.refused) return this.settleWaiting(undefined);
    if (this.opening) {
      this.stale = true;
      return;
    }
    if (this.retryTimer) return;
    const filter = this.wanted();
    if (!filter) {
      this.settleWaiting(undefined);
      return this.cancel(this.serving);
    }
    if (this.serving && sameFilter(this.serving.filter, filter)) return;
    this.open(filter);
  }

  private open(filter: ListenFilter): void {
    const listen: Listen = { id: `${LISTEN_ID_PREFIX}${++listenIds}`, filter, ended: false };
    this.opening = listen;
    this.stale = false;
    this.overlap = [];
    const request: JSONRPCRequest = { jsonrpc: '2.0', id: listen.id, method: LISTEN_METHOD, params: { notifications: filter } };
    this.deps.send(request).catch(() => this.ended(listen, undefined));
  }

  private acknowledged(listen: Listen, message: JSONRPCNotification): void {
    if (listen !== this.opening) return;
    const honoured = isObject(message.params) && isObject(message.params.notifications) ? message.params.notifications : {};
    // A set: the member's list is as long as it likes (within maxMessageBytes), each look-up stays cheap.
    const taken = new Set<unknown>(Array.isArray(honoured.resourceSubscriptions) ? honoured.resourceSubscriptions : []);
    const previous = this.serving;
    this.serving = listen;
    this.opening = undefined;
    listen.ackedAt = Date.now();
    this.cancel(previous);
    for (const uri of listen.filter.resourceSubscriptions ?? []) if (!taken.has(uri)) this.uris.delete(uri);
    this.settleWaiting(listen, { taken });
    if (this.stale) this.sync();
  }

  private notified(listen: Listen, message: JSONRPCNotification): void {
    // The stream being replaced delivers until its successor is acknowledged; what it delivered meanwhile is not delivered again.
    if (listen !== this.serving) return;
    const params = isObject(message.params) ? message.params : {};
    if (message.method === 'notifications/resources/updated' && !(typeof params.uri === 'string' && this.uris.has(params.uri))) return;
    const key = `${message.method} ${typeof params.uri === 'string' ? params.uri : ''}`;
    const now = Date.now();
    if (this.opening) {
      if (this.overlap.length >= MAX_OVERLAP) this.overlap.shift();
      this.overlap.push({ key, at: now });
    }
    else if (this.takeOverlap(key, now)) return;
    this.deps.deliver(unstamped(message));
  }

  /** Whether `key` was delivered by the stream this one replaced, within the overlap window (each counts once). */
  private takeOverlap(key: string, now: number): boolean {
    if (this.overlap.length === 0) return false;
    this.overlap = this.overlap.filter((seen) => now - seen.at <= this.limits.overlapMs);
    const index = this.overlap.findIndex((seen) => seen.key === key);
    if (index === -1) return false;
    this.overlap.splice(index, 1);
    return true;
  }

  /**
   * A listen stream ended: answered by the member (gracefully, or with `error`), or lost (the transport answers a
   * modern request whose stream ended unanswered with an error of its own). One not acknowledged yet fails the
   * subscribes that waited for it.
   */
  private ended(listen: Listen, error: WireError | undefined): void {
    listen.ended = true;
    if (listen === this.opening) {
      this.opening = undefined;
      const failure = error ?? refusalOf(JsonRpcCode.InternalError, new GatewayError(errors.GW_ERR_MCP_BACKEND_FAILED, [this.deps.member]), { data: { server: this.deps.member } });
      this.settleWaiting(listen, { failure });
      if (error && PERMANENT_REFUSALS.has(error.code)) this.refused = true;
    } else if (listen === this.serving) {
      this.serving = undefined;
      // Only a stream that lasted resets the backoff: one the member acknowledges and drops at once does not.
      if (Date.now() - listen.ackedAt! >= this.limits.retryMaxMs) this.failures = 0;
    } else {
      return;
    }
    if (!this.closed && !this.refused) this.retry();
  }

  /** Opens the stream again after a delay that grows with each failure in a row. */
  private retry(): void {
    const { retryInitialMs, retryMaxMs } = this.limits;
    const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(this.failures++, 20));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sync();
    }, delay);
    this.retryTimer.unref();
  }

  private cancel(listen: Listen | undefined): void {
    if (!listen || listen.ended) return;
    listen.ended = true;
    if (listen === this.serving) this.serving = undefined;
    const reason = 'subscription filter changed';
    void this.deps.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: listen.id, reason } }).catch(() => {});
  }

  /**
   * Answers the subscribes `listen` asked the member for: success for a URI the member acknowledged (`taken`), its
   * `failure` when the stream failed before acknowledging, a refusal otherwise. With no listen (nothing can be
   * listened for any more), every waiting subscribe is refused.
   */
  private settleWaiting(listen: Listen | undefined, outcome: { taken?: ReadonlySet<unknown>; failure?: WireError } = {}): void {
    const asked = listen?.filter.resourceSubscriptions;
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const { request, uri } = this.waiting[i]!;
      if (listen && !asked?.includes(uri)) continue;
      this.waiting.splice(i, 1);
      if (outcome.taken?.has(uri)) {
        this.succeed(request);
        continue;
      }
      this.uris.delete(uri);
      const refusal = new GatewayError(errors.GW_ERR_MCP_SUBSCRIPTION_REFUSED, [this.deps.member, uri]);
      this.fail(request, outcome.failure ?? refusalOf(JsonRpcCode.InvalidParams, refusal, { data: { server: this.deps.member, uri } }));
    }
  }

  private succeed(request: JSONRPCRequest): void {
    this.deps.answer({ jsonrpc: '2.0', id: request.id, result: {} });
  }

  private fail(request: JSONRPCRequest, err: WireError): void {
    this.deps.answer({ jsonrpc: '2.0', id: request.id, error: { code: err.code, message: err.message, data: err.data } });
  }
}

/** The listen request a notification says it belongs to (the SDK stamps every one, the acknowledgement included). */
function subscriptionOf(message: JSONRPCNotification): RequestId | undefined {
  const meta = isObject(message.params) && isObject(message.params._meta) ? message.params._meta : undefined;
  const id = meta?.[META.subscriptionId];
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The notification without the subscription's `_meta` key (and without `_meta` when nothing else was in it). */
function unstamped(message: JSONRPCNotification): JSONRPCNotification {
  if (!isObject(message.params) || !isObject(message.params._meta)) return message;
  const { [META.subscriptionId]: _stamp, ...meta } = message.params._meta;
  const { _meta, ...params } = message.params;
  return { ...message, params: Object.keys(meta).length > 0 ? { ...params, _meta: meta } : params };
}

function acknowledges(listen: Listen | undefined, uri: string): boolean {
  return listen?.filter.resourceSubscriptions?.includes(uri) === true;
}

function sameFilter(a: ListenFilter, b: ListenFilter): boolean {
  const uris = (f: ListenFilter) => [...(f.resourceSubscriptions ?? [])].sort().join('\n');
  return a.toolsListChanged === b.toolsListChanged && a.promptsListChanged === b.promptsListChanged && a.resourcesListChanged === b.resourcesListChanged && uris(a) === uris(b);
}
