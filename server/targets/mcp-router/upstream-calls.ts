import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCResponse, Progress } from '@modelcontextprotocol/sdk/types.js';
import { isNotification, isResponse } from './json-rpc.js';

/** How one relayed request is run. */
export interface UpstreamCallOptions {
  /** Deadline without an answer or progress, ms; a progress notification restarts it. */
  readonly timeoutMs: number;
  /** Asks the upstream for progress (its token is the call's id) and receives each notification of it. */
  readonly onprogress?: (progress: Progress) => void;
}

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
  readonly timer: NodeJS.Timeout;
}

/**
 * Requests relayed on an upstream session without the SDK client's per-request machinery (a zod parse of every
 * message and result, a timeout record, progress and response handler maps, an abort listener): the router's
 * hot path (tools/call) forwards the message, waits for the answer with the same id and hands the result on as the
 * upstream sent it. The SDK client stays connected to the same transport for everything else (initialize, lists,
 * notifications, server→client requests); messages that belong to our calls are taken off before it sees them.
 * Our ids (`agate-call-<n>`) are strings, the SDK client's are numbers, so the two never collide.
 */
export class UpstreamCalls {
  private readonly pending = new Map<string, Pending>();
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
  ) {
    const toClient = transport.onmessage;
    const closeClient = transport.onclose;
    transport.onmessage = (message, extra) => {
      if (!this.take(message)) toClient?.(message, extra);
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
        this.pending.delete(id);
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
    this.pending.set(id, { settle, onprogress: options.onprogress, timer });
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

  /** Takes an upstream message that belongs to one of our calls; false: it is the SDK client's. */
  private take(message: JSONRPCMessage): boolean {
    if (this.pending.size === 0) return false;
    if (isResponse(message)) {
      const call = typeof message.id === 'string' ? this.pending.get(message.id) : undefined;
      if (call) this.schedule(() => call.settle(message));
      return call !== undefined;
    }
    if (!isNotification(message) || message.method !== 'notifications/progress') return false;
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
    const error = new UpstreamConnectionClosed('the upstream session closed');
    for (const call of [...this.pending.values()]) call.settle(error);
  }
}
