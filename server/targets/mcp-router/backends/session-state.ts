import {
  type ClientRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type LoggingLevel,
  type RequestId,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';

/** The requests that set state on an upstream session, as opposed to asking it something. */
const STATE_METHODS = new Set(['logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/**
 * What the client set on its upstream session and the upstream accepted: the log level (`logging/setLevel`, the
 * latest) and the resources subscribed to (`resources/subscribe` less `resources/unsubscribe`). A request counts
 * once its success arrives; one that failed, expired or was cancelled changes nothing. A session that replaces a
 * lost one is given the same state again (`replay`), so that for the client nothing changed. Ids are as sent
 * upstream.
 */
export class SessionState {
  private level: LoggingLevel | undefined;
  private readonly subscriptions = new Set<string>();
  /** State-setting requests sent and not answered yet. */
  private readonly pending = new Map<RequestId, JSONRPCRequest>();

  /** Notes an outgoing message: a state-setting request waits for its answer; a cancellation drops one. */
  sent(message: JSONRPCMessage): void {
    if (!('method' in message)) return;
    if ('id' in message) {
      if (STATE_METHODS.has(message.method)) this.pending.set(message.id, message);
    } else if (message.method === 'notifications/cancelled' && this.pending.size > 0) {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) this.pending.delete(id);
    }
  }

  /** Looks at an incoming message: the success of a pending request applies it, an error forgets it. */
  received(message: JSONRPCMessage): void {
    if (this.pending.size === 0 || !('id' in message) || 'method' in message) return;
    const request = this.pending.get(message.id as RequestId);
    if (!request) return;
    this.pending.delete(request.id);
    if ('result' in message) this.apply(request);
  }

  /** Forgets a request that will get no answer (its send failed, or its deadline passed). */
  forget(id: RequestId): void {
    this.pending.delete(id);
  }

  /** The requests that set the same state on a new session, as far as its `capabilities` offer it: level first. */
  replay(capabilities: ServerCapabilities): ClientRequest[] {
    const requests: ClientRequest[] = [];
    if (this.level !== undefined && capabilities.logging) requests.push({ method: 'logging/setLevel', params: { level: this.level } });
    if (capabilities.resources?.subscribe) for (const uri of this.subscriptions) requests.push({ method: 'resources/subscribe', params: { uri } });
    return requests;
  }

  private apply(request: JSONRPCRequest): void {
    const params = request.params as { level?: LoggingLevel; uri?: string } | undefined;
    if (request.method === 'logging/setLevel' && params?.level !== undefined) this.level = params.level;
    else if (request.method === 'resources/subscribe' && params?.uri !== undefined) this.subscriptions.add(params.uri);
    else if (request.method === 'resources/unsubscribe' && params?.uri !== undefined) this.subscriptions.delete(params.uri);
  }
}
