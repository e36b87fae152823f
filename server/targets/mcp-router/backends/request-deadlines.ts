import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { isRequest } from '../json-rpc.js';
import { GatewayError, errors } from '../../../errors/index.js';

/** What to do when a request ran past its deadline. */
export interface DeadlineExpiry {
  /** The error response to hand to the client in place of the answer (carries the request's own id). */
  readonly response: JSONRPCMessage;
  /** The `notifications/cancelled` to send upstream so the server can stop working on it. */
  readonly cancel: JSONRPCNotification;
}

interface Pending {
  timer: NodeJS.Timeout;
  progressToken: string | number | undefined;
  /** This request's deadline, ms. */
  timeoutMs: number;
}

/**
 * The per-server request timeout, enforced in the transport so it holds whatever client sits on top. A progress
 * notification for the request restarts its clock: a long job that reports progress is alive, a silent one is not.
 * Ids here are the ids as sent upstream.
 */
export class RequestDeadlines {
  private readonly pending = new Map<RequestId, Pending>();

  constructor(
    private readonly server: string,
    private readonly timeoutMs: number,
    private readonly onExpiry: (id: RequestId, expiry: DeadlineExpiry) => void,
  ) {}

  /** Starts the clock for an outgoing request (other messages are ignored); `timeoutMs` overrides the server's. */
  track(message: JSONRPCMessage, timeoutMs = this.timeoutMs): void {
    if (!isRequest(message) || this.timeoutMs <= 0) return;
    const token = (message.params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
    this.pending.set(message.id, { timer: this.arm(message.id, timeoutMs), progressToken: token, timeoutMs });
  }

  /** Looks at an incoming message: an answer stops its clock, progress restarts it. */
  observe(message: JSONRPCMessage): void {
    if ('id' in message && ('result' in message || 'error' in message)) {
      this.settle(message.id as RequestId);
      return;
    }
    if (!('method' in message) || message.method !== 'notifications/progress' || 'id' in message) return;
    const token = (message.params as { progressToken?: string | number } | undefined)?.progressToken;
    for (const [id, entry] of this.pending) {
      if (entry.progressToken === undefined || entry.progressToken !== token) continue;
      clearTimeout(entry.timer);
      entry.timer = this.arm(id, entry.timeoutMs);
    }
  }

  /** Forgets one request (answered, or cancelled by the client). */
  settle(id: RequestId): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
  }

  /** Stops every clock (transport closed: the client fails its own pending requests). */
  clear(): void {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
  }

  private arm(id: RequestId, timeoutMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.onExpiry(id, this.expiry(id, timeoutMs));
    }, timeoutMs);
    timer.unref();
    return timer;
  }

  private expiry(id: RequestId, timeoutMs: number): DeadlineExpiry {
    const gw = new GatewayError(errors.GW_ERR_MCP_BACKEND_TIMEOUT, [this.server, timeoutMs]);
    return {
      response: { jsonrpc: '2.0', id, error: { code: ErrorCode.RequestTimeout, message: gw.message, data: { code: gw.code } } },
      cancel: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: gw.message } },
    };
  }
}
