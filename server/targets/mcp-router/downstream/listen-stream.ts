import type { ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCNotification, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { formatSseEvent, SSE_RESPONSE_HEADERS } from '../../../sse/index.js';
import { isNotification, isRequest, isResponse } from '../json-rpc.js';
import { JsonRpcCode } from '../mcp-errors.js';
import { LISTEN_METHOD, META } from '../modern-protocol.js';
import { modernResult, type ModernStamp } from '../modern-results.js';
import type { KeepAliveTicker } from './keep-alive.js';
import type { ListenFilter } from './listen-filter.js';

/** Bytes a stream may hold for a client that does not read; past this it is cut (the client listens again). */
const MAX_BUFFERED_BYTES = 1024 * 1024;


/** Who ended a listen: the client (its stream closed, or it cancelled) or agate (shutdown, server removed). */
export type ListenEnd = 'client' | 'gateway';

/**
 * The downstream end of the router session behind one `subscriptions/listen`: what the session sends its client
 * goes through the listen's filter onto the SSE stream, stamped with the listen's id. Before the stream opens,
 * agate uses it to send the session requests of its own (the resource subscriptions). Closing it from the session
 * (gateway shutdown, server removed) ends the stream gracefully, with the listen's result.
 */
export class ListenStream implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  /** Runs once when the listen ends, whoever ended it. */
  onEnd: ((by: ListenEnd) => void) | undefined;
  private readonly waiting = new Map<RequestId, (ok: boolean) => void>();
  private filter: ListenFilter | undefined;
  private stamp: ModernStamp | undefined;
  private asked = 0;
  private ended = false;
  private detached = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly id: RequestId,
    private readonly keepAlive: KeepAliveTicker,
  ) {
    res.once('close', () => this.end('client'));
  }

  /** Whether the listen is over (its stream ended or is ending). */
  get over(): boolean {
    return this.ended;
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (isResponse(message)) {
      const settle = this.waiting.get(message.id as RequestId);
      this.waiting.delete(message.id as RequestId);
      settle?.('result' in message);
    } else if (isRequest(message)) {
      // 2026-07-28 has no server→client request outside a client request's input_required: a member's is refused.
      const error = { code: JsonRpcCode.MethodNotFound, message: `${message.method} cannot reach a 2026-07-28 client on a subscriptions/listen stream` };
      queueMicrotask(() => this.onmessage?.({ jsonrpc: '2.0', id: message.id, error }));
    } else if (isNotification(message) && this.filter && this.accepts(message)) {
      this.write(stamped(message, this.id));
    }
  }

  /** The client cancelled the listen (notifications/cancelled): it ends as if its stream closed. */
  cancel(): void {
    this.end('client');
  }

  /** Hands the session a message from agate (notifications/initialized). */
  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }

  /** Sends the session a request of agate's own; resolves true on a result, false on an error or after `timeoutMs`. */
  ask(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<boolean> {
    const id = `agate-listen-${++this.asked}`;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), timeoutMs);
      const settle = (ok: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(ok);
      };
      this.waiting.set(id, settle);
      this.onmessage?.({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** Opens the stream: the acknowledgement of `filter` (what agate honours), then what passes it; an empty filter ends at once. */
  open(filter: ListenFilter, stamp: ModernStamp): void {
    // Ended while it was being set up (a shutdown): cut, as nothing was acknowledged.
    if (this.ended) return void this.res.destroy();
    this.filter = filter;
    this.stamp = stamp;
    this.res.writeHead(200, SSE_RESPONSE_HEADERS);
    this.write(stamped({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: filter } }, this.id));
    // Nothing to deliver: ended as the v2 SDK's listen router does, with the graceful result.
    if (Object.keys(filter).length === 0) return void this.close();
    this.keepAlive.add(this.res);
  }

  /** Ends the listen from agate's side: the graceful result when the stream is open (subscriptions/listen result). */
  async close(): Promise<void> {
    if (this.filter && !this.ended && !this.res.writableEnded && !this.res.destroyed) {
      const result = modernResult(LISTEN_METHOD, { _meta: { [META.subscriptionId]: this.id } }, this.stamp!);
      this.res.end(formatSseEvent({ event: 'message', data: JSON.stringify({ jsonrpc: '2.0', id: this.id, result }) }));
    }
    this.end('gateway');
    if (this.detached) return;
    this.detached = true;
    for (const settle of this.waiting.values()) settle(false);
    this.onclose?.();
  }

  /** The stream is over; the session stays connected until it is closed (it still takes agate's unsubscriptions). */
  private end(by: ListenEnd): void {
    if (this.ended) return;
    this.ended = true;
    // Before it opened, the response is still the request's to answer (a refusal, or cut by `open`).
    if (this.filter && !this.res.writableEnded) this.res.destroy();
    this.onEnd?.(by);
  }

  /** Whether the listen asked for `m` (the four change types; resources/updated for its URIs only). */
  private accepts(m: JSONRPCNotification): boolean {
    const filter = this.filter!;
    switch (m.method) {
      case 'notifications/tools/list_changed':
        return filter.toolsListChanged === true;
      case 'notifications/prompts/list_changed':
        return filter.promptsListChanged === true;
      case 'notifications/resources/list_changed':
        return filter.resourcesListChanged === true;
      case 'notifications/resources/updated':
        return filter.resourceSubscriptions?.includes(m.params?.uri as string) === true;
      default:
        return false;
    }
  }

  private write(message: JSONRPCNotification): void {
    if (this.ended || this.res.writableEnded) return;
    // A client that stopped reading is cut rather than buffered for without bound.
    if (this.res.writableLength > MAX_BUFFERED_BYTES) return void this.res.destroy();
    this.res.write(formatSseEvent({ event: 'message', data: JSON.stringify(message) }));
    this.keepAlive.wrote(this.res);
  }
}

/** `m` with the listen's id in `_meta`, as every message of a listen stream carries it. */
function stamped(m: JSONRPCNotification, id: RequestId): JSONRPCNotification {
  const meta = (m.params?._meta as Record<string, unknown> | undefined) ?? {};
  return { jsonrpc: '2.0', method: m.method, params: { ...m.params, _meta: { ...meta, [META.subscriptionId]: id } } };
}
