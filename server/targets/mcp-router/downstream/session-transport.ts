import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { formatSseEvent, SSE_RESPONSE_HEADERS } from '../../../sse/index.js';
import { isRequest } from '../json-rpc.js';
import type { KeepAliveTicker } from './keep-alive.js';
import type { SessionStore, StoredEvent } from './session-store.js';
import { ServerRequestIds, routeClientMessage } from './server-request-ids.js';

/** The id of the session's standalone (GET) stream in event ids. */
const STANDALONE = '_GET_stream';
/** Clients of this revision and later accept an empty priming event, which gives them a Last-Event-ID at once. */
const PRIMING_VERSION = '2025-11-25';
/** Most events kept for a standalone stream no connection has heard yet (the oldest go first). */
const UNHEARD_MAX = 16;


/** How one POST is to be answered. */
export interface PostOptions {
  /** The client accepts `application/json`: a POST whose requests are only answered (no notification or request on the way) gets plain JSON. */
  readonly acceptsJson: boolean;
  /** The protocol revision the client speaks on this request (decides whether SSE streams get a priming event). */
  readonly protocolVersion: string;
}

/** An HTTP response carrying events of one stream, while it is open. */
interface Connection {
  readonly res: ServerResponse;
  /** SSE once the head was written as an event stream; `json` until then (a POST that may still be answered as JSON). */
  mode: 'json' | 'sse';
  /** While a replay is being written, live events wait here (with the ids already replayed, so none is sent twice). */
  queue?: Array<{ id: string; message: JSONRPCMessage }>;
  replayed?: Set<string>;
}

/** One stream of the session: a POST's (its requests still unanswered) or the standalone GET stream. */
interface Stream {
  readonly id: string;
  /** Requests of the POST still waiting for their response (always empty for the standalone stream). */
  readonly pending: Set<RequestId>;
  /** Responses collected while the POST may still be answered as plain JSON. */
  readonly answers: JSONRPCMessage[];
  readonly protocolVersion: string;
  connection: Connection | undefined;
  /** An event with an id went out on it: the client can resume it with Last-Event-ID. */
  resumable: boolean;
  /** A POST stream another replica serves, resumed here: its events arrive from that replica; its answer ends it. */
  remote?: boolean;
  /**
   * The standalone stream's events sent while no GET was open (the client opens it after initializing, and may
   * lose it): the next GET writes them first. Without Last-Event-ID a client has no other way to hear them.
   */
  unheard?: StoredEvent[];
}

/**
 * The Streamable HTTP transport of one downstream session, on Node's own request and response objects (the
 * SDK's transport runs every request through web `Request`/`Response` and web streams). The SDK `Server` above
 * it does the protocol; this routes its messages to the right HTTP response:
 * - a POST whose requests are answered without anything else on the way gets `application/json` (one message,
 *   or an array for a batch); the first notification or server→client request tied to it turns the answer into
 *   an SSE stream (with a priming event for 2025-11-25 clients), which ends once every request is answered;
 * - messages tied to no request go to the standalone GET stream;
 * - every SSE event is stored in the session's bounded buffer, so a client that lost a stream resumes it with
 *   GET + `Last-Event-ID` (the events it missed, then the live ones).
 */
export class StreamableSessionTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly streams = new Map<string, Stream>();
  private readonly streamOfRequest = new Map<RequestId, Stream>();
  private nextStream = 0;
  private closed = false;
  /** Ids of the server's requests to the client, unique across replicas when the session has several holders. */
  private readonly serverRequests: ServerRequestIds;

  constructor(
    readonly sessionId: string,
    private readonly store: SessionStore,
    private readonly keepAlive: KeepAliveTicker,
  ) {
    this.serverRequests = new ServerRequestIds(store.outlivesProcess);
  }

  async start(): Promise<void> {}

  /** Hands a POST's messages to the server; resolves when its HTTP response is over. */
  handlePost(exchange: { req: IncomingMessage; res: ServerResponse }, messages: readonly JSONRPCMessage[], options: PostOptions): Promise<void> {
    const { req, res } = exchange;
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers, url: new URL(req.url ?? '/', 'http://gateway.invalid') } };
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      for (const m of messages) this.receive(m, extra);
      res.writeHead(202).end();
      return Promise.resolve();
    }
    const stream = this.openStream(`p${++this.nextStream}`, options.protocolVersion, requests);
    const connection: Connection = { res, mode: 'json' };
    stream.connection = connection;
    res.once('close', () => this.detach(stream, connection));
    if (!options.acceptsJson) this.startSse(stream, connection);
    const ended = responseOver(res);
    for (const m of messages) this.onmessage?.(m, extra);
    return ended;
  }

  /**
   * GET: the standalone stream (409 while it is already open), or with `Last-Event-ID` a resumed one, which
   * takes the place of a connection the client lost but we have not noticed closing yet. Resolves once the
   * stream is open; it lives on until the client or the session ends it.
   */
  async handleGet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const lastEventId = req.headers['last-event-id'];
    const version = headerValue(req.headers['mcp-protocol-version']) ?? '';
    if (typeof lastEventId === 'string' && lastEventId !== '') return this.resume(res, lastEventId);
    let stream = this.streams.get(STANDALONE);
    if (stream?.connection) return conflict(res);
    stream ??= this.openStream(STANDALONE, version, []);
    const connection: Connection = { res, mode: 'json' };
    stream.connection = connection;
    res.once('close', () => this.detach(stream, connection));
    this.startSse(stream, connection, version);
    for (const event of stream.unheard?.splice(0) ?? []) this.write(connection, eventFrame(event.id, event.message));
  }

  /**
   * A client's answer to a server request, or anything else it sent without a request of its own: an answer to a
   * request another holder of the session sent goes to that holder.
   */
  private receive(message: JSONRPCMessage, extra: MessageExtraInfo): void {
    routeClientMessage(this.serverRequests, message, {
      server: (m) => this.onmessage?.(m, extra),
      others: (m) => void this.store.announce(this.sessionId, { type: 'message', message: m }).catch(() => {}),
    });
  }

  /** A client's answer that reached another holder of the session: ours if we sent the request it answers. */
  receiveRemote(message: JSONRPCMessage): void {
    const local = this.serverRequests.answer(message);
    if (local) this.onmessage?.(local);
  }

  /** An event another holder of the session stored: written on the stream it belongs to, if this replica holds its connection. */
  deliverRemote(streamId: string, event: StoredEvent): void {
    const stream = this.streams.get(streamId);
    const connection = stream?.connection;
    if (this.closed || !stream || !connection || !('jsonrpc' in event.message)) return;
    if (connection.queue) return void connection.queue.push(event);
    if (connection.mode !== 'sse') return;
    this.write(connection, eventFrame(event.id, event.message));
    if (stream.remote && isAnswer(event.message)) this.finish(stream, connection);
  }

  /** Delivers a message from the server on the stream it belongs to. */
  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) return;
    message = this.serverRequests.outgoing(message);
    const isResponse = 'result' in message || 'error' in message;
    const requestId = isResponse ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (isResponse) throw new Error('a response must answer a request');
      const stream = this.streams.get(STANDALONE) ?? this.openStream(STANDALONE, '', []);
      return this.emit(stream, message);
    }
    const stream = this.streamOfRequest.get(requestId);
    if (!stream) return; // its client is gone and the stream cannot be resumed: nobody is left to tell
    if (!isResponse) {
      if (stream.connection?.mode === 'json') this.startSse(stream, stream.connection);
      return this.emit(stream, message);
    }
    stream.pending.delete(requestId);
    this.streamOfRequest.delete(requestId);
    const connection = stream.connection;
    if (connection?.mode === 'json') {
      stream.answers.push(message);
      if (stream.pending.size === 0) this.finish(stream, connection, stream.answers.length === 1 ? stream.answers[0] : stream.answers);
      return;
    }
    await this.emit(stream, message);
    if (stream.pending.size === 0) this.finish(stream, stream.connection);
  }

  /** Ends every stream; the session is over. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) stream.connection?.res.end();
    this.streams.clear();
    this.streamOfRequest.clear();
    this.onclose?.();
  }

  private openStream(id: string, protocolVersion: string, requests: readonly { id: RequestId }[]): Stream {
    const stream: Stream = { id, pending: new Set(requests.map((r) => r.id)), answers: [], protocolVersion, connection: undefined, resumable: false };
    this.streams.set(id, stream);
    for (const r of requests) this.streamOfRequest.set(r.id, stream);
    return stream;
  }

  /** Writes the SSE head (and a priming event) on a connection that was still free to answer as JSON. */
  private startSse(stream: Stream, connection: Connection, protocolVersion = stream.protocolVersion): void {
    connection.mode = 'sse';
    const { res } = connection;
    res.writeHead(200, { ...SSE_RESPONSE_HEADERS, 'mcp-session-id': this.sessionId });
    res.flushHeaders();
    this.keepAlive.add(res, () => void this.store.touch(this.sessionId).catch(() => {}));
    // Answers collected before the switch (a batch) go out first, as events.
    const early = stream.answers.splice(0);
    const priming = protocolVersion >= PRIMING_VERSION;
    if (priming || early.length > 0) void this.prime(stream, priming, early).catch((err: Error) => this.onerror?.(err));
  }

  private async prime(stream: Stream, priming: boolean, early: JSONRPCMessage[]): Promise<void> {
    if (priming) {
      const id = await this.store.appendEvent(this.sessionId, stream.id, {} as JSONRPCMessage);
      this.write(stream.connection, formatSseEvent({ id, data: '' }));
      stream.resumable = true;
    }
    for (const m of early) await this.emit(stream, m);
  }

  /** Stores an event (for replay) and writes it to the stream's connection, if one is open. */
  private async emit(stream: Stream, message: JSONRPCMessage): Promise<void> {
    const id = await this.store.appendEvent(this.sessionId, stream.id, message).catch((err: Error) => void this.onerror?.(err));
    const connection = stream.connection;
    if (id === undefined) {
      // A store that is down cannot keep the event for replay; an open stream still gets it, without an id.
      if (connection?.mode === 'sse' && !connection.queue) this.write(connection, formatSseEvent({ event: 'message', data: JSON.stringify(message) }));
      return;
    }
    if (connection?.queue) return void connection.queue.push({ id, message });
    if (!connection && stream.id === STANDALONE) return keepUnheard(stream, { id, message });
    if (connection?.mode !== 'sse') return;
    this.write(connection, eventFrame(id, message));
    stream.resumable = true;
  }

  private write(connection: Connection | undefined, frame: string): void {
    if (!connection || connection.res.writableEnded || connection.res.destroyed) return;
    connection.res.write(frame);
    this.keepAlive.wrote(connection.res);
  }

  /** Every request of the stream is answered: end its response and forget it (its events stay replayable). */
  private finish(stream: Stream, connection: Connection | undefined, json?: unknown): void {
    this.streams.delete(stream.id);
    if (!connection) return;
    if (json === undefined) return void connection.res.end();
    const body = JSON.stringify(json);
    connection.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'mcp-session-id': this.sessionId });
    connection.res.end(body);
  }

  /** The client went away: a stream it can resume stays (its events keep being stored); others are dropped. */
  private detach(stream: Stream, connection: Connection): void {
    if (stream.connection !== connection) return;
    stream.connection = undefined;
    if (stream.resumable || stream.id === STANDALONE) return;
    this.streams.delete(stream.id);
    for (const id of stream.pending) this.streamOfRequest.delete(id);
  }

  /** GET with Last-Event-ID: the events after it on that stream, then (if it is still open) the live ones. */
  private async resume(res: ServerResponse, lastEventId: string): Promise<void> {
    const streamId = await this.store.streamOfEvent(this.sessionId, lastEventId);
    if (streamId === undefined) return badEventId(res);
    // A POST stream this replica does not know is another's (or over): it lives on until its answer shows up.
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = this.openStream(streamId, '', []);
      stream.remote = streamId !== STANDALONE;
    }
    // The replay below includes what was kept unheard.
    stream.unheard = undefined;
    // The client says it lost the stream: a connection we still hold for it is a dead one it replaces.
    const stale = stream?.connection;
    if (stale) {
      stream.connection = undefined;
      stale.res.end();
    }
    const connection: Connection = { res, mode: 'sse', queue: [], replayed: new Set() };
    res.writeHead(200, { ...SSE_RESPONSE_HEADERS, 'mcp-session-id': this.sessionId });
    if (stream) {
      stream.connection = connection;
      res.once('close', () => this.detach(stream, connection));
    }
    let answered = false;
    const replay = (event: StoredEvent) => {
      if (!('jsonrpc' in event.message)) return; // a priming event carries nothing to replay
      res.write(eventFrame(event.id, event.message));
      connection.replayed!.add(event.id);
      answered ||= isAnswer(event.message);
    };
    for (const event of await this.store.eventsAfter(this.sessionId, lastEventId)) replay(event);
    const waiting = connection.queue!;
    connection.queue = undefined;
    for (const e of waiting) if (!connection.replayed!.has(e.id)) replay(e);
    connection.replayed = undefined;
    // A POST stream that was answered meanwhile has nothing more to say.
    if (stream.remote ? answered : stream.id !== STANDALONE && stream.pending.size === 0) this.finish(stream, connection);
    else this.keepAlive.add(res, () => void this.store.touch(this.sessionId).catch(() => {}));
  }
}

function keepUnheard(stream: Stream, event: StoredEvent): void {
  const unheard = (stream.unheard ??= []);
  if (unheard.length >= UNHEARD_MAX) unheard.shift();
  unheard.push(event);
}

function isAnswer(message: JSONRPCMessage): boolean {
  return 'result' in message || 'error' in message;
}

function eventFrame(id: string, message: JSONRPCMessage): string {
  return formatSseEvent({ event: 'message', id, data: JSON.stringify(message) });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Resolves once the response is finished or its connection is gone. */
export function responseOver(res: ServerResponse): Promise<void> {
  if (res.closed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

function conflict(res: ServerResponse): void {
  jsonError(res, 409, 'Conflict: this stream already has an open connection');
}

function badEventId(res: ServerResponse): void {
  jsonError(res, 400, 'Last-Event-ID names no stream of this session');
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}
