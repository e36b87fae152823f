import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  type InitializeResult,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { ResumableTransport, UpstreamMessageExtra, UpstreamResume } from '../backend.js';
import { isNotification, isRequest } from '../json-rpc.js';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { GatewayError, errors } from '../../../errors/index.js';
import type { BackendHealth } from './backend-health.js';
import type { RemoteBackendOptions } from './options.js';
import { MessageTooLargeError, UpstreamHttpError, describeFailure, isSessionGone, isStaleSocket, isStreamLost, isUnreachable } from './remote-errors.js';
import { SseUpstream } from './remote-sse.js';
import { StreamableHttpUpstream } from './remote-streamable-http.js';
import { PASSTHROUGH_AUTH_META_KEY } from '../../../../servers/index.js';
import { RequestDeadlines } from './request-deadlines.js';
import type { BrokeredAuth } from './brokered-auth.js';
import type { VaultAuth } from './vault-auth.js';
import type { InLine, RequestGate } from './request-gate.js';
import { SessionState } from './session-state.js';
import { LISTEN_METHOD } from '../modern-protocol.js';
import type { UpstreamSendOptions, UpstreamTransport } from './upstream-transport.js';

/** What one remote connection runs on. */
export interface RemoteTransportDeps {
  readonly options: RemoteBackendOptions;
  /** Headers sent on every upstream request: configured credentials (and a passed-through token, if allowed). */
  readonly headers: Readonly<Record<string, string>>;
  /** The backend's connection pool. */
  readonly dispatcher: Dispatcher;
  readonly health: BackendHealth;
  /** The backend's limit on requests in flight, shared by its sessions. */
  readonly gate: RequestGate;
  /** The backend's brokered bearer token (`upstreamAuth`), if it has one. */
  readonly broker?: BrokeredAuth | VaultAuth;
  /** Tagged with the server name. */
  readonly log: Logger;
  /** Told once, when this connection has closed (the backend forgets it). */
  readonly onClosed?: () => void;
  /** An upstream session another replica opened: continued (Streamable HTTP only) instead of initialized anew. */
  readonly resume?: UpstreamResume;
  /** The era probe's connection (ConnectOptions.probe): the upstream's HTTP error answers are logged at debug. */
  readonly probe?: boolean;
}

/**
 * One upstream MCP session over our Streamable HTTP client transport or the SDK's legacy SSE one, wrapped to
 * add what a gateway needs: when the upstream forgets the session (404) or its event stream is lost for good,
 * a fresh inner transport replays the client's own `initialize`, re-applies the negotiated protocol version
 * (sent as `MCP-Protocol-Version`), sets again what the client had set (log level, resource subscriptions: see
 * SessionState) and resends the failed message, so the client on top never notices; it is told
 * `tools/list_changed` because the new upstream session may serve other tools. Resuming a broken
 * Streamable HTTP stream with `Last-Event-ID` is the inner transport's own work (configured by `resumeRetries`).
 * An upstream that cannot be reached marks the backend down, fails the message at once and closes the
 * connection, so the router withdraws the tools and retries with backoff. An answer larger than `maxMessageBytes`
 * is logged and answered in its place with a JSON-RPC error; the session goes on. Requests take a place in the
 * backend's RequestGate (`maxConcurrentRequests` over all sessions) before they go, and give it back with their
 * answer, their failure, their deadline or their cancellation; a 2026-07-28 `subscriptions/listen` takes no place
 * and has no deadline (its answer is a stream that lasts as long as the subscription).
 */
export class RemoteTransport implements Transport, ResumableTransport {
  onmessage?: (message: JSONRPCMessage, extra?: UpstreamMessageExtra) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  private inner: UpstreamTransport;
  private initRequest: JSONRPCRequest | undefined;
  private protocolVersion: string | undefined;
  private reinit: Promise<void> | undefined;
  private readonly privateReplies = new Map<RequestId, (message: JSONRPCMessage) => void>();
  /** Requests in flight with a place in the backend's gate, by id: the place is given back with their answer. */
  private readonly places = new Map<RequestId, () => void>();
  /** Requests waiting for a place. */
  private readonly inLine = new Map<RequestId, InLine>();
  private readonly deadlines: RequestDeadlines;
  /** What the client set and the upstream accepted: given again to a session that replaces a lost one. */
  private readonly state = new SessionState();
  private privateIds = 0;
  private closed = false;
  /** The upstream session to continue, until the client's initialize has been answered with it. */
  private resuming: UpstreamResume | undefined;
  /** What the upstream answered to initialize (or what the continued session's answer was). */
  private initResult: InitializeResult | undefined;

  constructor(private readonly deps: RemoteTransportDeps) {
    this.inner = this.build();
    if (deps.resume && this.inner instanceof StreamableHttpUpstream) this.resuming = deps.resume;
    this.deadlines = new RequestDeadlines(deps.options.name, deps.options.requestTimeoutMs, (id, expiry) => {
      this.state.forget(id);
      this.releasePlace(id);
      void this.inner.send(expiry.cancel).catch(() => {});
      this.onmessage?.(expiry.response);
    });
  }

  /** The upstream's session id (changes when the session is re-initialized). */
  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  /** Remembers the version the client negotiated; the inner transport sends it as `MCP-Protocol-Version`. */
  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
    this.inner.setProtocolVersion(version);
  }

  /** Opens the inner transport (the SSE transport connects here; Streamable HTTP on the first POST). */
  async start(): Promise<void> {
    if (this.deps.health.state === 'stopped') this.deps.health.set('starting');
    try {
      await this.withStreamToken();
      await this.inner.start();
    } catch (err) {
      throw this.failed(err);
    }
  }

  /**
   * Sends upstream; re-initializes and resends once if the upstream forgot the session. A request waits for a
   * place in the backend's gate first; a cancellation of one still waiting takes it out of the line.
   */
  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) throw new Error(`connection to MCP server "${this.deps.options.name}" is closed`);
    if (this.reinit) await this.reinit;
    if (this.resuming && this.continueSession(message)) return;
    // A listen stream lasts as long as its subscription: it holds no place and has no deadline.
    const lasting = isRequest(message) && message.method === LISTEN_METHOD;
    if (isRequest(message) && !lasting) {
      const waiting = this.takePlace(message.id);
      if (waiting) await waiting;
      if (message.method === 'initialize') this.initRequest = message;
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      this.giveUpPlace((message.params as { requestId?: RequestId } | undefined)?.requestId);
    }
    const passthrough = this.takePassthrough(message);
    message = passthrough.message;
    if (!lasting) this.deadlines.track(message);
    this.state.sent(message);
    try {
      await this.sendAuthorized(message, options, passthrough.headers);
    } catch (err) {
      if (!isSessionGone(err) || !this.initRequest || message === this.initRequest) return this.sendFailed(message, err);
      await this.reinitialize(err as Error);
      await this.sendAuthorized(message, options, passthrough.headers).catch((again: unknown) => this.sendFailed(message, again));
    }
  }

  resumeHandle(): UpstreamResume | undefined {
    const upstreamSessionId = this.inner.sessionId;
    if (!(this.inner instanceof StreamableHttpUpstream) || !upstreamSessionId || !this.initResult || !this.protocolVersion) return undefined;
    return { upstreamSessionId, protocolVersion: this.protocolVersion, initializeResult: this.initResult };
  }

  keepUpstreamSession(): void {
    if (this.inner instanceof StreamableHttpUpstream) this.inner.keepSession();
  }

  /**
   * Continues another replica's upstream session: the client's initialize is kept (for a re-initialize, should the
   * upstream have forgotten the session) and answered with what the upstream answered then, and its
   * `notifications/initialized` opens the standalone stream instead of going upstream a second time.
   */
  private continueSession(message: JSONRPCMessage): boolean {
    const resume = this.resuming!;
    const inner = this.inner as StreamableHttpUpstream;
    if (isRequest(message) && message.method === 'initialize') {
      this.initRequest = message;
      inner.resumeSession(resume.upstreamSessionId);
      this.setProtocolVersion(resume.protocolVersion);
      queueMicrotask(() => this.received({ jsonrpc: '2.0', id: message.id, result: resume.initializeResult }));
      return true;
    }
    if (!isNotification(message) || message.method !== 'notifications/initialized') return false;
    this.resuming = undefined;
    void inner.openStandalone();
    return true;
  }

  /** Closes the upstream session for good. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.deadlines.clear();
    const closed = new Error(`connection to MCP server "${this.deps.options.name}" is closed`);
    for (const line of this.inLine.values()) line.abandon(closed);
    for (const release of this.places.values()) release();
    this.places.clear();
    const inner = this.inner;
    detach(inner);
    await inner.close().catch(() => {});
    this.deps.onClosed?.();
    this.onclose?.();
  }

  /** One send with the brokered token (`upstreamAuth`) when the server has one. */
  private sendAuthorized(message: JSONRPCMessage, options?: TransportSendOptions, headers?: Record<string, string>): Promise<void> {
    const broker = this.deps.broker;
    if (!broker) return this.sendOnce(message, options, headers);
    return broker.send(message, headers, (h) => this.sendOnce(message, options, h));
  }

  /**
   * The legacy SSE transport opens its event stream once, with the headers it was built with: with a client
   * credentials token, it is rebuilt with the token before it starts (and again for a replaced session).
   */
  private async withStreamToken(): Promise<void> {
    const broker = this.deps.broker;
    if (!broker?.hasSessionToken || this.deps.options.transport !== 'sse') return;
    const headers = await broker.streamHeaders();
    detach(this.inner);
    this.inner = this.build(headers);
  }

  /** The brokered token for the requests the Streamable HTTP transport makes of itself, when the session has one. */
  private async ownHeaders(): Promise<Readonly<Record<string, string>>> {
    const broker = this.deps.broker;
    return broker?.hasSessionToken ? broker.streamHeaders() : {};
  }

  /**
   * One send, tried a second time when a pooled keep-alive socket turned out to be closed by the upstream
   * (it restarted, or timed the socket out) before our request went out on it: the classic stale-socket race.
   */
  private async sendOnce(message: JSONRPCMessage, options?: TransportSendOptions, headers?: Record<string, string>): Promise<void> {
    const sendOptions: UpstreamSendOptions | undefined = headers ? { ...options, headers } : options;
    try {
      await this.inner.send(message, sendOptions);
    } catch (err) {
      if (!isStaleSocket(err)) throw err;
      await this.inner.send(message, sendOptions);
    }
  }

  /**
   * A send that failed for good. An answer over `maxMessageBytes` is answered in its place (the upstream did take
   * the request); anything else is thrown, and the request is forgotten: the client fails it itself.
   */
  private sendFailed(message: JSONRPCMessage, err: unknown): void {
    if (err instanceof MessageTooLargeError) return this.tooLarge(err);
    if ('id' in message && 'method' in message) {
      this.deadlines.settle(message.id);
      this.state.forget(message.id);
      this.releasePlace(message.id);
    }
    throw this.failed(err);
  }

  /** Takes a place for request `id`: at once (undefined), or a wait that ends with one (or a refusal). */
  private takePlace(id: RequestId): Promise<void> | undefined {
    const release = this.deps.gate.tryEnter();
    if (release) {
      this.places.set(id, release);
      return undefined;
    }
    const line = this.deps.gate.line();
    this.inLine.set(id, line);
    return line.admitted.then(
      (admitted) => {
        this.inLine.delete(id);
        if (!this.closed) return void this.places.set(id, admitted);
        admitted();
        throw new Error(`connection to MCP server "${this.deps.options.name}" is closed`);
      },
      (err: unknown) => {
        this.inLine.delete(id);
        throw err;
      },
    );
  }

  /** The request was cancelled: out of the line if it waits, its place given back if it went. */
  private giveUpPlace(id: RequestId | undefined): void {
    if (id === undefined) return;
    this.inLine.get(id)?.abandon(new Error(`request ${String(id)} cancelled before it was sent`));
    this.releasePlace(id);
  }

  private releasePlace(id: RequestId): void {
    const release = this.places.get(id);
    if (!release) return;
    this.places.delete(id);
    release();
  }

  /** An answer or event over `maxMessageBytes`: logged, and its request (if any) answered with an error. */
  private tooLarge(err: MessageTooLargeError): void {
    this.deps.log.warn({ limit: err.limit, requestId: err.requestId }, 'upstream MCP message too large: dropped');
    if (err.requestId === undefined) return;
    const data = { code: errors.GW_ERR_MCP_BACKEND_FAILED.code, maxMessageBytes: err.limit };
    this.received({ jsonrpc: '2.0', id: err.requestId, error: { code: ErrorCode.InternalError, message: err.message, data } });
  }

  /**
   * Takes the router's passthrough credentials out of a tools/call `_meta` (the upstream must not see them as
   * data) and keeps those the server is configured to pass on, to be sent as headers of that one request.
   */
  private takePassthrough(message: JSONRPCMessage): { message: JSONRPCMessage; headers?: Record<string, string> } {
    const meta = isRequest(message) ? (message.params?._meta as Record<string, unknown> | undefined) : undefined;
    if (!meta || !(PASSTHROUGH_AUTH_META_KEY in meta)) return { message };
    const { [PASSTHROUGH_AUTH_META_KEY]: given, ...rest } = meta;
    const request = message as JSONRPCRequest;
    const stripped: JSONRPCRequest = { ...request, params: { ...request.params, _meta: rest } };
    const headers: Record<string, string> = {};
    for (const name of this.deps.options.passthroughHeaders) {
      const value = (given as Record<string, unknown> | undefined)?.[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return { message: stripped, headers: Object.keys(headers).length ? headers : undefined };
  }

  private build(streamHeaders?: Record<string, string>): UpstreamTransport {
    const { options, dispatcher } = this.deps;
    const headers = streamHeaders ? { ...this.deps.headers, ...streamHeaders } : this.deps.headers;
    const url = new URL(options.url);
    const inner: UpstreamTransport =
      options.transport === 'sse'
        ? new SseUpstream({ name: options.name, url, headers, dispatcher })
        : new StreamableHttpUpstream({
            name: options.name,
            url,
            headers,
            ownHeaders: () => this.ownHeaders(),
            dispatcher,
            resumeRetries: options.resumeRetries,
            resumeInitialMs: options.resumeInitialMs,
            maxMessageBytes: options.maxMessageBytes,
          });
    if (this.protocolVersion) inner.setProtocolVersion(this.protocolVersion);
    inner.onmessage = (message, extra) => this.received(message, extra);
    inner.onerror = (err) => this.innerError(err);
    inner.onclose = () => {
      // The inner transport closed by itself (bad endpoint event): this connection is over.
      if (inner === this.inner) void this.close();
    };
    return inner;
  }

  private received(message: JSONRPCMessage, extra?: UpstreamMessageExtra): void {
    const id = 'id' in message ? (message.id as RequestId) : undefined;
    const privateReply = id === undefined || 'method' in message ? undefined : this.privateReplies.get(id);
    if (privateReply) return privateReply(message);
    if (id !== undefined && id === this.initRequest?.id && 'result' in message) {
      this.initResult = message.result as InitializeResult;
      this.deps.health.set('ready');
    } else if (!this.initRequest && 'result' in message && this.deps.health.state !== 'ready') {
      // A modern (stateless) member never initializes: any answer shows it is up.
      this.deps.health.set('ready');
    }
    if (id !== undefined && !('method' in message)) this.releasePlace(id);
    this.deadlines.observe(message);
    this.state.received(message);
    this.onmessage?.(message, extra);
  }

  private innerError(err: Error): void {
    if (this.closed) return;
    if (err instanceof MessageTooLargeError) this.tooLarge(err);
    else if (isSessionGone(err) || isStreamLost(err)) void this.reinitialize(err).catch(() => {});
    this.onerror?.(err);
  }

  private reinitialize(cause: Error): Promise<void> {
    this.reinit ??= this.replaceSession(cause).finally(() => {
      this.reinit = undefined;
    });
    return this.reinit;
  }

  private async replaceSession(cause: Error): Promise<void> {
    const init = this.initRequest;
    if (!init || this.closed) throw cause;
    this.deps.log.warn({ reason: describeFailure(cause), sessionId: this.inner.sessionId }, 'upstream MCP session lost: re-initializing');
    const old = this.inner;
    detach(old);
    void old.close().catch(() => {});
    this.inner = this.build();
    try {
      await this.withStreamToken();
      await this.inner.start();
      const result = (await this.privateRequest({ ...init, id: `agate-reinit-${++this.privateIds}` })) as InitializeResult;
      this.setProtocolVersion(result.protocolVersion);
      await this.sendAuthorized({ jsonrpc: '2.0', method: 'notifications/initialized' });
      await this.replayState(result);
    } catch (err) {
      const failure = this.failed(err);
      void this.close();
      throw failure;
    }
    this.deps.health.set('ready');
    this.deps.log.info({ sessionId: this.inner.sessionId }, 'upstream MCP session re-initialized');
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  }

  /**
   * Sets on the new session what the client had set on the lost one, one request at a time. One the new upstream
   * refuses is logged and skipped: the session is still worth having.
   */
  private async replayState(initialized: InitializeResult): Promise<void> {
    for (const request of this.state.replay(initialized.capabilities)) {
      const message = { jsonrpc: '2.0', id: `agate-replay-${++this.privateIds}`, ...request } as JSONRPCRequest;
      await this.privateRequest(message).catch((err: unknown) => {
        this.deps.log.warn({ method: request.method, params: request.params, reason: describeFailure(err) }, 'upstream MCP session state not restored');
      });
    }
  }

  /** A request of our own (the replayed initialize, log level, subscriptions): its answer is not the client's to see. */
  private privateRequest(request: JSONRPCRequest): Promise<Record<string, unknown>> {
    const timeoutMs = this.deps.options.requestTimeoutMs || this.deps.options.connectTimeoutMs;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`no answer to ${request.method} within ${timeoutMs} ms`)), timeoutMs);
      const settle = (outcome: Error | JSONRPCMessage): void => {
        clearTimeout(timer);
        this.privateReplies.delete(request.id);
        if (outcome instanceof Error) return reject(outcome);
        if ('result' in outcome) return resolve(outcome.result);
        reject(new Error(`${request.method} failed: ${JSON.stringify((outcome as { error?: unknown }).error)}`));
      };
      this.privateReplies.set(request.id, settle);
      this.sendAuthorized(request).catch((err: unknown) => settle(err as Error));
    });
  }

  /** Turns a send failure into the error the client sees; an unreachable upstream marks the backend down. */
  private failed(err: unknown): Error {
    const reason = describeFailure(err);
    // What the upstream said stays in the log (remote-errors.ts: UpstreamHttpError keeps it out of the message).
    if (err instanceof UpstreamHttpError && err.detail) this.deps.log[this.deps.probe ? 'debug' : 'warn']({ url: this.deps.options.url, status: err.status, detail: err.detail }, 'upstream MCP server answered with an error');
    if (!isUnreachable(err)) return err instanceof Error ? err : new Error(reason);
    const { name, url } = this.deps.options;
    this.deps.health.set('down', `${reason} (${url})`);
    this.deps.log.warn({ url, reason }, 'upstream MCP server unreachable');
    // Closing lets the router withdraw the tools at once and reconnect with its backoff.
    if (!this.reinit) queueMicrotask(() => void this.close());
    return new GatewayError(errors.GW_ERR_MCP_BACKEND_UNAVAILABLE, [`${name} (${reason} at ${url})`], { cause: err });
  }
}

function detach(inner: UpstreamTransport): void {
  inner.onmessage = undefined;
  inner.onerror = undefined;
  inner.onclose = undefined;
}
