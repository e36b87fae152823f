import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamExchange } from '../../upstream-exchange.js';

/** A modern request until its answer ended: what cancelling it closes. */
export interface ModernCall {
  readonly id: RequestId;
  cancelled: boolean;
  /** The exchange, from its start (before the upstream's head arrived). */
  answer?: UpstreamExchange;
  /** Its answer's event stream once it is one (marked done when cancelled: nothing to resume or report). */
  stream?: { answered: boolean; failed?: boolean };
}

/**
 * The modern (2026-07-28) requests of one Streamable HTTP connection whose answer has not ended. Such a request is
 * cancelled by closing its stream, not with a POSTed `notifications/cancelled` (basic/patterns/cancellation.mdx
 * §Transport-Specific Cancellation); `cancel` does that, also before the upstream's answer began.
 */
export class ModernCalls {
  private readonly open = new Map<RequestId, ModernCall>();

  /** A modern request about to be sent. */
  begin(id: RequestId): ModernCall {
    const call: ModernCall = { id, cancelled: false };
    this.open.set(id, call);
    return call;
  }

  /** Its answer is an event stream read on: the call stays cancellable until `ended`. */
  streaming(call: ModernCall, stream: NonNullable<ModernCall['stream']>): void {
    call.stream = stream;
    this.open.set(call.id, call);
  }

  /** The request is over (answered, failed, or its stream ended). */
  ended(call: ModernCall | undefined): void {
    if (call && this.open.get(call.id) === call) this.open.delete(call.id);
  }

  /** The call whose exchange is `answer`, if any. */
  byAnswer(id: RequestId | undefined, answer: UpstreamExchange): ModernCall | undefined {
    const call = id === undefined ? undefined : this.open.get(id);
    return call?.answer === answer ? call : undefined;
  }

  /** Takes `notifications/cancelled` for an open modern request: its exchange is aborted; false for any other message. */
  cancel(message: JSONRPCMessage): boolean {
    if (!('method' in message) || message.method !== 'notifications/cancelled' || 'id' in message) return false;
    const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
    const call = id === undefined ? undefined : this.open.get(id);
    if (!call) return false;
    this.open.delete(call.id);
    call.cancelled = true;
    if (call.stream) call.stream.failed = call.stream.answered = true;
    call.answer?.abort(new Error('request cancelled'));
    return true;
  }
}
