import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCResponse, Progress, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamMessageExtra } from './backend.js';
import { isNotification, isRequest, isResponse } from './json-rpc.js';
import type { DownstreamCall } from './relay.js';

/** How one relayed request is run. */
export interface UpstreamCallOptions {
  /** Deadline without an answer or progress, ms; a progress notification restarts it. */
  readonly timeoutMs: number;
  /** Asks the upstream for progress (its token is the call's id) and receives each notification of it. */
  readonly onprogress?: (progress: Progress) => void;
  /** The client's request this one serves: what the upstream sends on the call's stream goes to that request's. */
  readonly downstream: DownstreamCall;
}

/**
 * Takes a notification the upstream sent that is not about our calls' progress, with the client request it
 * relates to (if the upstream sent it on one of our calls' streams); false leaves it to the SDK client.
 */
export type NotificationRoute = (notification: JSONRPCNotification, related: DownstreamCall | undefined) => boolean;

/** One request in flight upstream. */
export interface UpstreamCall {
  /** The upstream's answer as it sent it (a result or an error); rejects with why none will come. */
  readonly response: Promise<JSONRPCResponse>;
  /** Gives up on the call: the upstream is told with `notifications/cancelled`, `response` rejects with UpstreamCallCancelled. */
  cancel(reason: string): void;
}

/** The call ran past its deadline without an answer or progress (the upstream was told to stop). */
export class UpstreamCallTimeout extends Error {}
/** The upstream session closed before the answer came. */
export class UpstreamConnectionClosed extends Error {}
/** The caller cancelled the call. */
export class UpstreamCallCancelled extends Error {}

interface Pending {
  readonly settle: (outcome: JSONRPCResponse | Error) => void;
  readonly onprogress?: (progress: Progress) => void;
  readonly downstream: DownstreamCall;
  readonly timer: NodeJS.Timeout;
  /** Server→client requests sent on this call's stream and not yet taken by the SDK client's handler. */
  serverRequests?: RequestId[];
}

/**
 * The client's requests relayed on an upstream session (tools/call, resources/read, prompts/get,
 * completion/complete) without the SDK client's per-request machinery (a zod parse of every message and result, a
 * timeout record, progress and response handler maps, an abort listener): a call is forwarded, its answer with
 * the same id handed on as the upstream sent it. The SDK client stays connected to the same transport for the
 * rest (initialize, lists, subscriptions, server→client requests); messages that belong to our calls are taken
 * off before it sees them. Our ids (`agate-call-<n>`) are strings, the SDK client's are numbers: they never collide.
 *
 * What the upstream sends on a call's own stream (the transport says which, see UpstreamMessageExtra) belongs to
 * that client request: notifications go through `route` with it, and a server→client request is remembered for
 * the SDK client's handler (`relatedTo`), so both reach the stream of the request that caused them.
 */
export class UpstreamCalls {
  private readonly pending = new Map<string, Pending>();
  /** Server→client requests sent on a call's stream, by their id, until the SDK client's handler takes them. */
  private readonly serverRequests = new Map<RequestId, Pending>();
  private nextId = 0;
  private closed = false;

  /**
   * Installs itself on `transport`, which an SDK client is already connected to. Answers are handed on through
   * `schedule` (the router's turn budget: under load, a burst of answers read in one poll phase is finished over
   * several turns instead of stalling every timer behind it).
   */
  constructor(
    private readonly transport: Transport,
    private readonly schedule: (finish: () => void) => void,
    private readonly route: NotificationRoute,
  ) {
    const toClient = transport.onmessage;
    const closeClient = transport.onclose;
    transport.onmessage = (message, extra) => {
      if (!this.take(message, extra as UpstreamMessageExtra | undefined)) toClient?.(message, extra);
    };
    transport.onclose = () => {
      this.closeAll();
      closeClient?.();
    };
  }

  /** Sends one request upstream. */
  request(method: string, params: Record<string, unknown>, options: UpstreamCallOptions): UpstreamCall {
    if (this.closed) return { response: Promise.reject(new UpstreamConnectionClosed('the upstream session is closed')), cancel: () => {} };
    const id = `agate-call-${++this.nextId}`;
    let settle!: Pending['settle'];
    const response = new Promise<JSONRPCResponse>((resolve, reject) => {
      settle = (outcome) => {
        clearTimeout(timer);
        const call = this.pending.get(id);
        this.pending.delete(id);
        for (const serverRequest of call?.serverRequests ?? []) this.serverRequests.delete(serverRequest);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
    });
    const expire = () => {
      this.tellCancelled(id, `no answer within ${options.timeoutMs} ms`);
      settle(new UpstreamCallTimeout(`no answer within ${options.timeoutMs} ms`));
    };
    const timer = setTimeout(expire, options.timeoutMs);
    timer.unref();
    this.pending.set(id, { settle, onprogress: options.onprogress, downstream: options.downstream, timer });
    const sentParams = options.onprogress ? { ...params, _meta: { ...(params._meta as object | undefined), progressToken: id } } : params;
    this.transport.send({ jsonrpc: '2.0', id, method, params: sentParams }).catch((err: unknown) => {
      if (this.pending.has(id)) settle(err instanceof Error ? err : new Error(String(err)));
    });
    return {
      response,
      cancel: (reason) => {
        if (!this.pending.has(id)) return;
        this.tellCancelled(id, reason);
        settle(new UpstreamCallCancelled(reason));
      },
    };
  }

  /**
   * The client request a server→client request relates to (it came on that request's call stream), once: the SDK
   * client's handler asks with the request's id.
   */
  relatedTo(serverRequestId: RequestId): DownstreamCall | undefined {
    const call = this.serverRequests.get(serverRequestId);
    this.serverRequests.delete(serverRequestId);
    return call?.downstream;
  }

  /** Takes an upstream message that belongs to one of our calls, or routes a notification; false: it is the SDK client's. */
  private take(message: JSONRPCMessage, extra: UpstreamMessageExtra | undefined): boolean {
    if (isResponse(message)) {
      const call = typeof message.id === 'string' ? this.pending.get(message.id) : undefined;
      if (call) this.schedule(() => call.settle(message));
      return call !== undefined;
    }
    const relatedId = extra?.relatedRequestId;
    const related = typeof relatedId === 'string' ? this.pending.get(relatedId) : undefined;
    if (isRequest(message)) {
      if (related) {
        this.serverRequests.set(message.id, related);
        (related.serverRequests ??= []).push(message.id);
      }
      return false;
    }
    if (!isNotification(message)) return false;
    if (message.method === 'notifications/progress' && this.progress(message)) return true;
    return this.route(message, related?.downstream);
  }

  /** A progress notification for one of our calls: its deadline restarts and the caller hears of it. */
  private progress(message: JSONRPCNotification): boolean {
    const { progressToken, ...progress } = (message.params ?? {}) as Progress & { progressToken?: unknown };
    const call = typeof progressToken === 'string' ? this.pending.get(progressToken) : undefined;
    if (!call) return false;
    call.timer.refresh();
    call.onprogress?.(progress);
    return true;
  }

  private tellCancelled(id: string, reason: string): void {
    if (this.closed) return;
    this.transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } }).catch(() => {});
  }

  private closeAll(): void {
    this.closed = true;
    this.serverRequests.clear();
    const error = new UpstreamConnectionClosed('the upstream session closed');
    for (const call of [...this.pending.values()]) call.settle(error);
  }
}
