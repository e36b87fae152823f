import { randomBytes } from 'node:crypto';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { isNotification, isRequest, isResponse } from '../json-rpc.js';

/** Server requests awaiting an answer that one copy of a session remembers; past it the oldest are forgotten. */
const MAX_PENDING = 10_000;

/**
 * Ids of the server's requests to the client (sampling, elicitation, roots) when a session has several holders
 * (replicas sharing a store): each holder's SDK server counts its ids from 0, and the client's answer may reach any
 * replica. Each holder sends its requests as `<holder tag>-<own id>`, takes back only answers with its tag, and
 * the transport hands other answers on to the session's other holders. With one holder ids pass unchanged.
 */
export class ServerRequestIds {
  private readonly tag = `${randomBytes(4).toString('hex')}-`;
  /** Id as the client saw it → the server's own. */
  private readonly byWire = new Map<string, RequestId>();
  private readonly byOwn = new Map<RequestId, string>();

  constructor(private readonly shared: boolean) {}

  /** A server message as the client is to see it: a request's id (or a cancellation's requestId) tagged. */
  outgoing(message: JSONRPCMessage): JSONRPCMessage {
    if (!this.shared) return message;
    if (isRequest(message)) {
      const wire = this.tag + String(message.id);
      if (this.byWire.size >= MAX_PENDING) this.forget(this.byWire.keys().next().value!);
      this.byWire.set(wire, message.id);
      this.byOwn.set(message.id, wire);
      return { ...message, id: wire };
    }
    if (!isNotification(message) || message.method !== 'notifications/cancelled') return message;
    const own = (message.params as { requestId?: RequestId } | undefined)?.requestId;
    const wire = own === undefined ? undefined : this.byOwn.get(own);
    if (wire === undefined) return message;
    this.forget(wire);
    return { ...message, params: { ...message.params, requestId: wire } };
  }

  /**
   * A client message as this holder's server is to see it: an answer to one of its requests, with the server's id
   * back; null when it is no answer (it goes to the server as it is); undefined for an answer to a request another
   * holder sent.
   */
  answer(message: JSONRPCMessage): JSONRPCMessage | null | undefined {
    if (!this.shared || !isResponse(message)) return null;
    const wire = String((message as { id: RequestId }).id);
    const own = this.byWire.get(wire);
    if (own === undefined) return undefined;
    this.forget(wire);
    return { ...message, id: own } as JSONRPCMessage;
  }

  private forget(wire: string): void {
    const own = this.byWire.get(wire);
    this.byWire.delete(wire);
    if (own !== undefined) this.byOwn.delete(own);
  }
}

/** Where a client message can go: this holder's server, or the session's other holders. */
export interface ClientMessageRoutes {
  readonly server: (message: JSONRPCMessage) => void;
  readonly others: (message: JSONRPCMessage) => void;
}

/**
 * Routes a client message: an answer to one of this holder's requests (its id given back) or anything that answers
 * no request to the server; an answer to a request another holder of the session sent to the others.
 */
export function routeClientMessage(ids: ServerRequestIds, message: JSONRPCMessage, to: ClientMessageRoutes): void {
  const local = ids.answer(message);
  if (local === undefined) return to.others(message);
  to.server(local ?? message);
}
