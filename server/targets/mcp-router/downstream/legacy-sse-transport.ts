import type { ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { formatSseEvent, SSE_RESPONSE_HEADERS } from '../../../sse/index.js';
import { InOrder } from './in-order.js';
import type { KeepAliveTicker } from './keep-alive.js';
import { ServerRequestIds, routeClientMessage } from './server-request-ids.js';
import { parseEventId, type SessionStore, type StoredEvent } from './session-store.js';

/** The id of a legacy session's one stream in its event log. */
const LEGACY_STREAM = 'sse';

/** The GET response a legacy session's stream is written on, and where the client is told to POST. */
export interface LegacyStream {
  readonly res: ServerResponse;
  /** The POST URL, relative, without the session id (the `endpoint` event adds it). */
  readonly endpoint: string;
  readonly keepAlive: KeepAliveTicker;
}

/**
 * The 2024-11-05 HTTP+SSE transport of one downstream session: every message from the server goes on the session's
 * one stream, each client message arrives in a POST of its own. One replica holds the stream (`stream` given); with
 * a shared store any replica may hold a copy of the session to serve a POST that reached it, and what a copy sends
 * is appended to the session's event log, whose PUBLISH brings it to the holder (session-holding.ts), which writes
 * the events of all copies in the order they were appended. With one process, messages go straight to the stream.
 */
export class LegacySseTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private closed = false;
  private readonly serverRequests: ServerRequestIds;
  /** The stream's writer, in log order (a holder with a shared store). */
  private readonly inOrder: InOrder<JSONRPCMessage> | undefined;

  constructor(
    readonly sessionId: string,
    private readonly store: SessionStore,
    private readonly stream?: LegacyStream,
  ) {
    this.serverRequests = new ServerRequestIds(store.outlivesProcess);
    if (stream && store.outlivesProcess) this.inOrder = new InOrder((m) => this.write(m));
  }

  /** Whether this copy holds the session's stream. */
  get holdsStream(): boolean {
    return this.stream !== undefined;
  }

  /** Opens the stream with its `endpoint` event (the holder); a copy elsewhere has nothing to open. */
  async start(): Promise<void> {
    if (!this.stream) return;
    const { res, endpoint } = this.stream;
    res.writeHead(200, { ...SSE_RESPONSE_HEADERS, connection: 'keep-alive' });
    const url = new URL(endpoint, 'http://gateway.invalid');
    url.searchParams.set('sessionId', this.sessionId);
    res.write(formatSseEvent({ event: 'endpoint', data: url.pathname + url.search }));
    if (res.destroyed) return void this.close(); // the client left before its session was ready
    res.once('close', () => void this.close());
  }

  /** A message the client POSTed: an answer to a request another copy of the session sent goes to that copy. */
  handleMessage(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    routeClientMessage(this.serverRequests, message, {
      server: (m) => this.onmessage?.(m, extra),
      others: (m) => void this.store.announce(this.sessionId, { type: 'message', message: m }).catch((err: Error) => this.onerror?.(err)),
    });
  }

  /** A client's answer another copy of the session got: ours if we sent the request it answers. */
  receiveRemote(message: JSONRPCMessage): void {
    const local = this.serverRequests.answer(message);
    if (local) this.onmessage?.(local);
  }

  /** An event another copy appended: written on the stream, in its place, if this copy holds it. */
  deliverRemote(streamId: string, event: StoredEvent): void {
    const seq = parseEventId(event.id)?.seq;
    if (this.closed || streamId !== LEGACY_STREAM || seq === undefined || !('jsonrpc' in event.message)) return;
    this.inOrder?.accept(seq, event.message);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    message = this.serverRequests.outgoing(message);
    if (!this.store.outlivesProcess) return this.write(message);
    let id: string;
    try {
      id = await this.store.appendEvent(this.sessionId, LEGACY_STREAM, message);
    } catch (err) {
      // Redis is down: the holder still gets what it sent itself, out of the log's order; a copy elsewhere cannot.
      if (this.stream) return this.write(message);
      throw err;
    }
    const seq = parseEventId(id)?.seq;
    // 0: the session's record is gone (it is ending) and nothing was appended.
    if (seq) this.inOrder?.accept(seq, message);
    else this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inOrder?.close();
    this.stream?.res.end();
    this.onclose?.();
  }

  private write(message: JSONRPCMessage): void {
    const res = this.stream?.res;
    if (!res || res.writableEnded || res.destroyed) return;
    res.write(formatSseEvent({ event: 'message', data: JSON.stringify(message) }));
    this.stream!.keepAlive.wrote(res);
  }
}
