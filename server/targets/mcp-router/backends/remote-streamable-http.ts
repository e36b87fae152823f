import type { IncomingHttpHeaders } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Dispatcher } from 'undici';
import { UpstreamExchange } from '../../upstream-exchange.js';
import type { UpstreamMessageExtra } from '../backend.js';
import { isJsonRpcMessage } from '../json-rpc.js';
import { SseParser, type SseEvent } from '../../../sse/index.js';
import { MessageTooLargeError, StreamLostError, UpstreamHttpError, badAnswer, describeFailure, isSessionGone, oneLine, unansweredError } from './remote-errors.js';
import type { UpstreamSendOptions, UpstreamTransport } from './upstream-transport.js';
import { modernRequestHeaders } from '../modern-protocol.js';
import { ModernCalls } from './modern-calls.js';

/** What one Streamable HTTP upstream session runs on. */
export interface StreamableHttpUpstreamOptions {
  /** The MCP server's name, for errors. */
  readonly name: string;
  readonly url: URL;
  /** The backend's connection pool. */
  readonly dispatcher: Dispatcher;
  /** Sent on every request (configured credentials). */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers of the requests the transport makes of itself (event stream GETs, DELETE): the session's brokered token. */
  readonly ownHeaders?: () => Promise<Readonly<Record<string, string>>>;
  /** Attempts to reopen a broken event stream with Last-Event-ID before giving up. */
  readonly resumeRetries: number;
  /** First delay before reopening a stream, ms; grows 1.5× per failed attempt up to 8×. A server's `retry:` wins. */
  readonly resumeInitialMs: number;
  /** Largest JSON answer or stream event, bytes: a larger one fails its request (see MessageTooLargeError). */
  readonly maxMessageBytes: number;
}

/** One event stream being read: a POST's answer, its resumption with GET, or the standalone GET stream. */
interface EventStream {
  /** The standalone GET stream for server-initiated messages: reopened whenever it ends. */
  readonly standalone: boolean;
  /** The upstream answered with a stream at least once. */
  opened?: boolean;
  /** The last event id seen: where a resumption starts. */
  lastEventId?: string;
  /** A response arrived: the request this stream was for is done, nothing to resume. */
  answered: boolean;
  /** The request this stream answers (as sent upstream); none for the standalone stream. */
  readonly requestId?: RequestId;
  /** It carried an oversized event: its request has failed, the stream is dropped unread. */
  failed?: boolean;
  /** A 2026-07-28 request's stream: when it ends unanswered and cannot be resumed, its request has failed. */
  readonly modern?: boolean;
  /** The id the client gave a request it resumes itself (`resumptionToken`): responses are handed back with it. */
  readonly replayId?: RequestId;
  readonly onresumptiontoken?: (token: string) => void;
}

const MAX_REDIRECTS = 5;
/** Longest wait for the standalone stream's head before the session's first request goes out, ms. */
const STANDALONE_OPEN_WAIT_MS = 1_000;
/** How long closing waits for the upstream to acknowledge the end of the session, ms. */
const DELETE_TIMEOUT_MS = 1_000;
/** The most of an HTTP error's body read for its message, bytes. */
const MAX_ERROR_TEXT_BYTES = 64 * 1024;

/**
 * The client side of the MCP Streamable HTTP transport
 * (https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http) on undici's
 * dispatch API (UpstreamExchange: bodies go chunk by chunk into a buffer or the SSE parser, no body stream or
 * AbortController per request): the SDK's client transport goes through `fetch` and web streams, which cost a
 * gateway about half a millisecond of CPU per call. Each message is POSTed; the answer is 202 (nothing to read),
 * JSON (one message or an array) or an event stream, read as it arrives. A stream that breaks before its answer
 * is resumed with GET and `Last-Event-ID`; after `notifications/initialized` a standalone GET stream carries
 * server-initiated messages (405: the server has none) and is reopened when it ends. Closing aborts everything in
 * flight and ends the upstream session with DELETE, best effort. Per-request headers (passthrough credentials)
 * come with the message, not from ambient state. No answer or event larger than `maxMessageBytes` is held: a JSON
 * answer over it rejects the send, an event over it is reported as a MessageTooLargeError naming its request.
 */
export class StreamableHttpUpstream implements UpstreamTransport {
  onmessage?: (message: JSONRPCMessage, extra?: UpstreamMessageExtra) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  private session: string | undefined;
  /** The upstream answered 404 to our session: there is nothing left to end with DELETE. */
  private sessionGone = false;
  /** Closing leaves the upstream session open (keepSession). */
  private keep = false;
  private protocolVersion: string | undefined;
  private serverRetryMs: number | undefined;
  private readonly inFlight = new Set<UpstreamExchange>();
  /** Messages that arrived while another was being handed on in the same turn: see deliver(). */
  private backlog: Array<[JSONRPCMessage, UpstreamMessageExtra]> | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly headers: Readonly<Record<string, string>>;
  /** Modern requests whose answer is streaming, by id: closing the stream is how one is cancelled. */
  private readonly modernCalls = new ModernCalls();
  private readonly origin: string;
  private readonly path: string;
  private started = false;
  private closed = false;

  constructor(private readonly options: StreamableHttpUpstreamOptions) {
    this.origin = options.url.origin;
    this.path = `${options.url.pathname}${options.url.search}`;
    this.headers = lowerCaseNames(options.headers);
  }

  /** The upstream's session id, once its `initialize` answer named one. */
  get sessionId(): string | undefined {
    return this.session;
  }

  /** Requests and event streams open right now (diagnostics): between calls, only the standalone stream. */
  get openRequests(): number {
    return this.inFlight.size;
  }

  /** Goes on with an upstream session another connection (another replica) initialized. */
  resumeSession(id: string): void {
    this.session = id;
  }

  /** Opens the standalone stream of a continued session (another holder's open stream makes the upstream refuse: reported, harmless). */
  openStandalone(): Promise<void> {
    return this.openStandaloneStream();
  }

  /** Closing leaves the upstream session open: other replicas go on with it. */
  keepSession(): void {
    this.keep = true;
  }

  /** Sent as `MCP-Protocol-Version` from now on. */
  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** Nothing to open: the first POST connects. */
  async start(): Promise<void> {
    if (this.started) throw new Error('the transport is already started');
    this.started = true;
  }

  /** POSTs one message; resolves once the upstream accepted it (an event-stream answer is read on afterwards). */
  async send(message: JSONRPCMessage, options?: UpstreamSendOptions): Promise<void> {
    if (this.modernCalls.cancel(message)) return;
    const request = 'method' in message && 'id' in message ? message : undefined;
    if (options?.resumptionToken) {
      // The client resumes a stream of its own: the rest of it comes on a GET, answers under the request's id.
      const { resumptionToken: lastEventId, onresumptiontoken } = options;
      const stream: EventStream = { standalone: false, answered: false, lastEventId, requestId: request?.id, replayId: request?.id, onresumptiontoken };
      this.openStream(stream).catch((err: unknown) => this.report(err));
      return;
    }
    const sentSession = this.session;
    const headers = this.requestHeaders(options?.headers, 'application/json, text/event-stream');
    headers['content-type'] = 'application/json';
    // A modern (2026-07-28) request names its era in its body; its headers mirror it, whatever the connection's.
    const modern = request && modernRequestHeaders(request);
    if (modern) Object.assign(headers, modern);
    // A modern request is known from its start: its cancellation may come before the upstream's answer does.
    const open = modern && request ? this.modernCalls.begin(request.id) : undefined;
    let answer: UpstreamExchange;
    try {
      answer = await this.exchange('POST', headers, { body: JSON.stringify(message), started: open && ((a) => (open.answer = a)) });
    } catch (err) {
      // Cancelled before the upstream answered: the request is over, the connection is fine.
      if (open?.cancelled) return;
      throw err;
    } finally {
      this.modernCalls.ended(open);
    }
    const session = answer.headers['mcp-session-id'];
    if (typeof session === 'string') this.session = session;
    if (answer.statusCode === 202) {
      this.drop(answer);
      if ('method' in message && message.method === 'notifications/initialized') await this.openStandaloneStream();
      return;
    }
    if (modern && answer.statusCode >= 400 && answer.statusCode < 500) return this.refused(answer, request.id, sentSession);
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw await this.httpError('POST', answer, sentSession);
    if (!request) return this.drop(answer);
    const type = mediaType(answer.headers['content-type']);
    if (type === 'text/event-stream') {
      const stream: EventStream = { standalone: false, answered: false, requestId: request.id, onresumptiontoken: options?.onresumptiontoken, modern: open !== undefined };
      if (open) this.modernCalls.streaming(open, stream);
      return this.read(answer, stream);
    }
    if (type !== 'application/json') {
      this.drop(answer);
      throw this.protocolError(answer.statusCode, sentSession, `answered POST with content-type ${String(answer.headers['content-type'])}`);
    }
    const body = await this.readText(answer, this.options.maxMessageBytes);
    if (!body.complete) throw new MessageTooLargeError(this.options.name, this.options.maxMessageBytes, request.id);
    const messages = parseMessages(body.text);
    if (!messages) throw this.protocolError(answer.statusCode, sentSession, 'answered POST with JSON that is not JSON-RPC');
    for (const reply of messages) this.deliver(reply, request.id);
  }

  /** Aborts every request and stream, then ends the upstream session with DELETE (best effort, briefly). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const reason = new Error(`connection to MCP server "${this.options.name}" closed`);
    for (const exchange of this.inFlight) exchange.abort(reason);
    this.inFlight.clear();
    await this.endSession();
    this.onclose?.();
  }

  /**
   * Opens the standalone GET stream once the session is initialized (a server without one answers 405), and waits
   * for its head, up to STANDALONE_OPEN_WAIT_MS: a server sends what no request caused (log messages, list_changed)
   * on that stream only once it is open, and a first request sent before would race it.
   */
  private async openStandaloneStream(): Promise<void> {
    const opening = this.openStream({ standalone: true, answered: false }).catch((err: unknown) => this.report(err));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, STANDALONE_OPEN_WAIT_MS)));
    await Promise.race([opening, waited]);
    clearTimeout(timer);
  }

  /** GETs an event stream: the standalone one, or the rest of a broken one from its last event id. */
  private async openStream(stream: EventStream): Promise<void> {
    const sentSession = this.session;
    const headers = this.requestHeaders(await this.options.ownHeaders?.(), 'text/event-stream');
    if (stream.lastEventId !== undefined) headers['last-event-id'] = stream.lastEventId;
    const answer = await this.exchange('GET', headers);
    if (stream.standalone && offersNoStream(answer.statusCode, stream)) return this.drop(answer);
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw await this.httpError('GET', answer, sentSession);
    if (mediaType(answer.headers['content-type']) !== 'text/event-stream') {
      this.drop(answer);
      throw this.protocolError(answer.statusCode, sentSession, `answered GET with content-type ${String(answer.headers['content-type'])}`);
    }
    this.read(answer, stream);
  }

  /** Reads an event stream to its end, delivering its messages; resumes it if it ends before its answer. */
  private read(answer: UpstreamExchange, stream: EventStream): void {
    // Id-only events count: a server's priming event is what a resumption starts from.
    const parser = new SseParser((event) => this.event(event, stream), {
      onRetry: (ms) => (this.serverRetryMs = ms),
      maxEventBytes: this.options.maxMessageBytes,
      onOversized: () => this.oversized(answer, stream),
      idOnlyEvents: true,
    });
    stream.opened = true;
    const done = () => {
      this.inFlight.delete(answer);
      this.modernCalls.ended(this.modernCalls.byAnswer(stream.requestId, answer));
    };
    answer.consume({
      data: (chunk) => parser.feed(chunk),
      end: () => {
        done();
        this.streamEnded(stream);
      },
      error: (err) => {
        done();
        this.streamEnded(stream, err);
      },
    });
  }

  /** Reads and drops an answer's body, so its connection can serve the next request. */
  private drop(answer: UpstreamExchange): void {
    const done = () => this.inFlight.delete(answer);
    answer.consume({ data: () => {}, end: done, error: done });
  }

  /**
   * An answer's body as text, no more than `maxBytes` of it: a longer one is cut there (`complete: false`) and its
   * connection closed as soon as it is known to be longer, so no more than `maxBytes` is ever held.
   */
  private readText(answer: UpstreamExchange, maxBytes: number): Promise<{ text: string; complete: boolean }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let cut = false;
      const done = () => {
        this.inFlight.delete(answer);
        resolve({ text: Buffer.concat(chunks, size).toString('utf8'), complete: !cut });
      };
      answer.consume({
        data: (chunk) => {
          if (cut) return;
          if (size + chunk.length > maxBytes) {
            chunks.push(chunk.subarray(0, maxBytes - size));
            size = maxBytes;
            cut = true;
            answer.abort(new Error(`answer longer than ${maxBytes} bytes: not read`));
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        },
        end: done,
        error: (err) => {
          if (cut) return done();
          this.inFlight.delete(answer);
          reject(err);
        },
      });
    });
  }

  /**
   * An event went over `maxMessageBytes`. On a request's stream the request fails and the stream is dropped (the
   * answer may have been that event); the standalone stream skips the event and reads on.
   */
  private oversized(answer: UpstreamExchange, stream: EventStream): void {
    if (!stream.standalone) {
      stream.failed = stream.answered = true;
      answer.abort(new Error('event over maxMessageBytes: stream dropped'));
    }
    this.report(new MessageTooLargeError(this.options.name, this.options.maxMessageBytes, stream.requestId));
  }

  private event(event: SseEvent, stream: EventStream): void {
    if (stream.failed) return;
    if (event.id !== undefined) {
      stream.lastEventId = event.id || undefined;
      stream.onresumptiontoken?.(event.id);
    }
    // Events without data are priming events and keep-alives; other event types are not MCP's.
    if (!event.data || (event.event && event.event !== 'message')) return;
    const messages = parseMessages(event.data);
    if (!messages || messages.length !== 1) return this.report(new Error(`MCP server "${this.options.name}" sent an event that is not JSON-RPC`));
    const message = messages[0]!;
    if ('id' in message && ('result' in message || 'error' in message)) {
      stream.answered = true;
      if (stream.replayId !== undefined) message.id = stream.replayId;
    }
    this.deliver(message, stream.requestId);
  }

  private streamEnded(stream: EventStream, err?: Error): void {
    if (this.closed || stream.failed) return;
    if (err) this.report(new Error(`MCP server "${this.options.name}": event stream broke: ${describeFailure(err)}`, { cause: err }));
    // A request's stream can be resumed once it carried an event id, and is needed until its answer came.
    if (stream.standalone || (stream.lastEventId !== undefined && !stream.answered)) return this.reopen(stream, 0);
    // 2026-07-28: an abrupt close carries nothing, the request is over (a listen stream: the member dropped it);
    // answered with the failure at once rather than left to its deadline, or forever for a listen stream.
    if (stream.modern && !stream.answered && stream.requestId !== undefined) this.deliver(unansweredError(this.options.name, stream.requestId), stream.requestId);
  }

  /** Reopens a stream after a delay; every failed attempt is reported, the last one as a StreamLostError. */
  private reopen(stream: EventStream, attempt: number): void {
    const { resumeRetries, resumeInitialMs, name } = this.options;
    if (attempt >= resumeRetries) {
      this.report(new StreamLostError(`MCP server "${name}": event stream not resumed after ${resumeRetries} attempts`));
      return;
    }
    const delay = this.serverRetryMs ?? Math.min(resumeInitialMs * 1.5 ** attempt, resumeInitialMs * 8);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.openStream(stream).catch((err: unknown) => {
        if (this.closed) return;
        this.report(err);
        // A session the upstream forgot is re-initialized above us, not resumed.
        if (!isSessionGone(err)) this.reopen(stream, attempt + 1);
      });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * One HTTP exchange, following redirects within the origin (307/308 keep the method; others only for GET): the
   * answer's head, its body for the caller to read, drop or leave to close(), which aborts it until it ended.
   */
  private async exchange(method: 'GET' | 'POST', headers: Record<string, string>, request: { body?: string; started?: (answer: UpstreamExchange) => void } = {}): Promise<UpstreamExchange> {
    const { body } = request;
    let path = this.path;
    for (let hops = 0; ; hops++) {
      if (this.closed) throw new Error(`connection to MCP server "${this.options.name}" is closed`);
      const answer = new UpstreamExchange();
      this.inFlight.add(answer);
      request.started?.(answer);
      try {
        await answer.start(this.options.dispatcher, { origin: this.origin, path, method, headers, body });
      } catch (err) {
        this.inFlight.delete(answer);
        throw badAnswer(err, this.options.name, headers['mcp-session-id']) ?? err;
      }
      const next = hops < MAX_REDIRECTS ? this.redirectTarget(answer, method, path) : undefined;
      if (next === undefined) return answer;
      this.drop(answer);
      path = next;
    }
  }

  /** Where a redirect leads, when it is to be followed: same origin, no credentials in the URL. */
  private redirectTarget(answer: UpstreamExchange, method: string, path: string): string | undefined {
    const { statusCode } = answer;
    const location = answer.headers.location;
    if (typeof location !== 'string' || ![301, 302, 303, 307, 308].includes(statusCode)) return undefined;
    if (statusCode < 307 && method !== 'GET') return undefined;
    let target: URL;
    try {
      target = new URL(location, `${this.origin}${path}`);
    } catch {
      return undefined;
    }
    if (target.origin !== this.origin || target.username || target.password) return undefined;
    return `${target.pathname}${target.search}`;
  }

  /** Configured credentials, then the message's own, then the protocol's headers (those are ours to set). */
  private requestHeaders(extra: Readonly<Record<string, string>> | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { ...this.headers };
    if (extra) for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
    headers.accept = accept;
    if (this.session !== undefined) headers['mcp-session-id'] = this.session;
    if (this.protocolVersion !== undefined) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  /** Ends the upstream session: the spec's DELETE, skipped when there is none; 405 (not supported) is fine. */
  private async endSession(): Promise<void> {
    if (this.session === undefined || this.sessionGone || this.keep) return;
    try {
      const headers = this.requestHeaders(await this.options.ownHeaders?.(), 'application/json, text/event-stream');
      const signal = AbortSignal.timeout(DELETE_TIMEOUT_MS);
      const res = await this.options.dispatcher.request({ origin: this.origin, path: this.path, method: 'DELETE', headers, signal });
      void res.body.dump();
    } catch {
      // Best effort: the upstream may be gone already, and forgets idle sessions anyway.
    }
  }

  private async httpError(method: string, answer: UpstreamExchange, sentSession: string | undefined): Promise<UpstreamHttpError> {
    const { statusCode } = answer;
    const text = (await this.readText(answer, MAX_ERROR_TEXT_BYTES).catch(() => undefined))?.text ?? '';
    const location = statusCode >= 300 && statusCode < 400 ? answer.headers.location : undefined;
    if (statusCode === 404 && sentSession !== undefined && sentSession === this.session) this.sessionGone = true;
    // The body stays out of the message: a 500 page carries stack traces and paths (the transport logs `detail`).
    const suffix = location ? `: redirect to ${String(location)} not followed` : '';
    const message = `MCP server "${this.options.name}" answered ${method} with HTTP ${statusCode}${suffix}`;
    return new UpstreamHttpError(message, { status: statusCode, sessionId: sentSession, detail: oneLine(text) || undefined });
  }

  /**
   * A modern request's 4xx: 2026-07-28 answers a request it refuses (a header mismatch, an unsupported version, a
   * missing client capability) with the JSON-RPC error as the body, which is handed on as the request's answer,
   * as the v2 SDK's client does; any other 4xx is the HTTP failure it always was.
   */
  private async refused(answer: UpstreamExchange, id: RequestId, sentSession: string | undefined): Promise<void> {
    const text = mediaType(answer.headers['content-type']) === 'application/json' ? (await this.readText(answer, MAX_ERROR_TEXT_BYTES).catch(() => undefined))?.text : undefined;
    if (text === undefined) throw await this.httpError('POST', answer, sentSession);
    const reply = parseMessages(text);
    if (reply?.length === 1 && 'error' in reply[0]! && reply[0].id === id) return this.deliver(reply[0], id);
    const message = `MCP server "${this.options.name}" answered POST with HTTP ${answer.statusCode}`;
    throw new UpstreamHttpError(message, { status: answer.statusCode, sessionId: sentSession, detail: oneLine(text) || undefined });
  }

  private protocolError(status: number, sentSession: string | undefined, what: string): UpstreamHttpError {
    return new UpstreamHttpError(`MCP server "${this.options.name}" ${what}`, { status, sessionId: sentSession });
  }

  /**
   * Hands a message to the client. Messages arriving in one go (a batch, events in one chunk or one socket read)
   * are handed on one per turn of the event loop: the SDK client handles a notification a microtask later but a
   * response at once, so a last progress notification followed at once by its result would find the request
   * already gone. The first message of a turn goes at once, so an answer alone waits for nothing. A message read
   * from a request's answer stream is handed on with that request's id (`relatedRequestId`, see UpstreamMessageExtra).
   */
  private deliver(message: JSONRPCMessage, relatedRequestId: RequestId | undefined): void {
    const extra: UpstreamMessageExtra = relatedRequestId === undefined ? {} : { relatedRequestId };
    if (this.backlog) {
      this.backlog.push([message, extra]);
      return;
    }
    this.backlog = [];
    this.handOn(message, extra);
    setImmediate(this.nextFromBacklog);
  }

  private readonly nextFromBacklog = (): void => {
    const next = this.backlog?.shift();
    if (next === undefined) {
      this.backlog = undefined;
      return;
    }
    this.handOn(next[0], next[1]);
    setImmediate(this.nextFromBacklog);
  };

  private handOn(message: JSONRPCMessage, extra: UpstreamMessageExtra): void {
    if (this.closed) return;
    try {
      this.onmessage?.(message, extra);
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    if (this.closed) return;
    this.onerror?.(err instanceof Error ? err : new Error(String(err)));
  }
}

/** The JSON-RPC messages in a body or event (one, or a batch), or undefined when it is not JSON-RPC at all. */
function parseMessages(text: string): JSONRPCMessage[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  return list.every(isJsonRpcMessage) ? (list as JSONRPCMessage[]) : undefined;
}

/**
 * The upstream has no standalone stream: 405, as the spec says, or 404 to the very first GET (a server that only
 * routes POST; later, once a stream was open, a 404 means the session is gone).
 */
function offersNoStream(status: number, stream: EventStream): boolean {
  return status === 405 || (status === 404 && !stream.opened);
}

/** `type/subtype` of a content-type header, lower-cased, without parameters. */
function mediaType(header: IncomingHttpHeaders[string]): string | undefined {
  if (typeof header !== 'string') return undefined;
  const semi = header.indexOf(';');
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
}

function lowerCaseNames(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
