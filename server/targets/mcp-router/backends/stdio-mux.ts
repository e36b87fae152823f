import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { gatewayError } from '../../../errors/index.js';
import { withoutRoots } from '../client-capabilities.js';
import { isNotification, isObject, isRequest } from '../json-rpc.js';
import { LISTEN_METHOD, META } from '../modern-protocol.js';
import { JsonRpcCode } from '../mcp-errors.js';
import type { UpstreamMessageExtra } from '../backend.js';
import type { RateLimitedLog } from './rate-limited-log.js';
import { RequestDeadlines } from './request-deadlines.js';
import { SharedSubscriptions } from './shared-subscriptions.js';

type Sink = (message: JSONRPCMessage) => Promise<void>;
type Token = string | number;

/** A request in flight upstream: who sent it and under which id and progress token. */
interface Route {
  readonly conn: MuxConnection;
  readonly id: RequestId;
  readonly method: string;
  readonly upstreamToken?: number;
  readonly protocolVersion?: unknown;
  /** The resource of a `resources/subscribe` (forgotten again if the process refuses it). */
  readonly uri?: string;
}

/** What a mux is for. */
export interface MuxOptions {
  /** The server's name (logs, errors). */
  readonly server: string;
  /** Deadline of one request without an answer or progress, ms (0: none). */
  readonly requestTimeoutMs: number;
  /** Whether the process may serve several sessions (else it is one session's own). */
  readonly shared: boolean;
  /** Where a shared process's log messages that no one session can be tied to go instead of the sessions. */
  readonly strayLogs?: RateLimitedLog;
}

/** How much of a stray log message's data the gateway's log keeps. */
const STRAY_LOG_MAX_CHARS = 2000;

/** The least time an upstream `initialize` gets, whatever the request timeout: it includes the process's start. */
const INITIALIZE_MIN_DEADLINE_MS = 10_000;

/** What the mux tells its owner. */
export interface MuxEvents {
  /** An upstream `initialize` succeeded (the process is serving). */
  onReady(): void;
  /** The last connection detached. */
  onIdle(): void;
}

/**
 * Several upstream MCP sessions over one stdio process. Each connection is an SDK `Transport`; request ids and
 * progress tokens are rewritten into one upstream space and mapped back, list changes go to
 * every session. The first `initialize` reaches the server; later ones with the same protocol version are
 * answered from its result, so a server that allows one initialization per process still serves many sessions
 * (the supervisor only puts sessions that declared the same capabilities, roots aside, on one process).
 *
 * A server→client request (sampling, elicitation, roots) over stdio carries nothing that names the client
 * request behind it, so on a shared process it goes to a session only when that session is the one with
 * requests in flight; otherwise it is refused to the server (GW_ERR_MCP_SERVER_REQUEST_UNATTRIBUTED), never
 * guessed. A shared process is never told of roots (they are one session's, and the process serves others), so
 * its `roots/list` is refused too. Log messages (`notifications/message`) are one user's data just as often
 * (the arguments of the call they report on): on a shared process one goes to the session with requests in
 * flight when there is exactly one, and otherwise to the gateway's log (rate limited), never to every session.
 * Resource subscriptions are counted per session (SharedSubscriptions): an update goes to the resource's
 * subscribers only, and one session's unsubscribe never ends another's.
 * A process of its own sends everything to its one session.
 */
export class StdioMux {
  private readonly connections = new Set<MuxConnection>();
  private readonly routes = new Map<RequestId, Route>();
  private readonly tokens = new Map<Token, { conn: MuxConnection; token: Token }>();
  private readonly serverRequests = new Map<RequestId, MuxConnection>();
  private readonly subscriptions = new SharedSubscriptions<MuxConnection>();
  private readonly deadlines: RequestDeadlines;
  private initialized: { result: Record<string, unknown>; protocolVersion: unknown } | undefined;
  private nextId = 1;
  private nextToken = 1;

  constructor(
    private readonly options: MuxOptions,
    private readonly sink: Sink,
    private readonly events: MuxEvents,
  ) {
    this.deadlines = new RequestDeadlines(options.server, options.requestTimeoutMs, (upstreamId, expiry) => {
      const route = this.drop(upstreamId);
      if (!route) return;
      void this.sink(expiry.cancel).catch(() => {});
      route.conn.receive({ ...expiry.response, id: route.id } as JSONRPCMessage);
    });
  }

  /** Sessions attached now. */
  get size(): number {
    return this.connections.size;
  }

  /** A new session on this process. */
  attach(): MuxConnection {
    const conn = new MuxConnection(this);
    this.connections.add(conn);
    return conn;
  }

  /** Routes one message from a session upstream. */
  async send(conn: MuxConnection, message: JSONRPCMessage): Promise<void> {
    if (isRequest(message)) return this.options.shared && this.answersSubscription(conn, message) ? undefined : this.sendRequest(conn, message);
    if (isNotification(message)) {
      if (message.method === 'notifications/initialized' && conn.initFromCache) return;
      // The shared process was not told of roots: one session's changes are not its business.
      if (message.method === 'notifications/roots/list_changed' && this.options.shared) return;
      if (message.method === 'notifications/cancelled') {
        const upstreamId = this.upstreamIdOf(conn, (message.params as { requestId?: RequestId }).requestId);
        if (upstreamId === undefined) return;
        this.drop(upstreamId);
        return this.sink({ ...message, params: { ...message.params, requestId: upstreamId } });
      }
      return this.sink(message);
    }
    // A response to a server→client request: the id is the server's own.
    if ('id' in message) this.serverRequests.delete(message.id as RequestId);
    return this.sink(message);
  }

  /** Routes one message from the process to its session(s). */
  deliver(message: JSONRPCMessage): void {
    this.deadlines.observe(message);
    if (isRequest(message)) return this.deliverServerRequest(message);
    if (!isNotification(message)) return this.deliverResponse(message);
    const params = (message.params ?? {}) as { progressToken?: Token; requestId?: RequestId; uri?: unknown };
    if (message.method === 'notifications/progress') {
      const owner = this.tokens.get(params.progressToken as Token);
      owner?.conn.receive({ ...message, params: { ...message.params, progressToken: owner.token } });
      return;
    }
    if (message.method === 'notifications/cancelled' && this.serverRequests.has(params.requestId as RequestId)) {
      this.serverRequests.get(params.requestId as RequestId)?.receive(message);
      return;
    }
    if (message.method === 'notifications/message' && this.options.shared) return this.deliverLog(message);
    if (isObject(message.params?._meta) && META.subscriptionId in message.params._meta) return this.deliverListened(message);
    const receivers = message.method === 'notifications/resources/updated' && this.options.shared ? this.subscriptions.subscribersOf(params.uri) : this.connections;
    for (const conn of receivers) conn.receive(message);
  }

  /** Detaches a session: its requests still in flight are cancelled upstream. */
  detach(conn: MuxConnection): void {
    if (!this.connections.delete(conn)) return;
    for (const [upstreamId, route] of this.routes) {
      if (route.conn !== conn) continue;
      this.drop(upstreamId);
      void this.sink({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: upstreamId, reason: 'session closed' } }).catch(() => {});
    }
    for (const [id, owner] of this.serverRequests) {
      if (owner !== conn) continue;
      this.serverRequests.delete(id);
      void this.sink({ jsonrpc: '2.0', id, error: { code: -32603, message: 'The session that was asked has closed' } }).catch(() => {});
    }
    for (const uri of this.subscriptions.removeAll(conn)) this.sendUnanswered('resources/unsubscribe', { uri });
    if (this.connections.size === 0) this.events.onIdle();
  }

  /** The process is gone: every session ends (the router reconnects them). */
  closeAll(): void {
    this.deadlines.clear();
    this.routes.clear();
    this.tokens.clear();
    this.serverRequests.clear();
    this.subscriptions.clear();
    const all = [...this.connections];
    this.connections.clear();
    for (const conn of all) conn.terminate();
  }

  private sendRequest(conn: MuxConnection, request: JSONRPCRequest): Promise<void> {
    const message = this.options.shared && request.method === 'initialize' ? withoutClientRoots(request) : request;
    const params = message.params ?? {};
    if (message.method === 'initialize' && this.initialized && this.initialized.protocolVersion === params.protocolVersion) {
      conn.initFromCache = true;
      const result = this.initialized.result;
      queueMicrotask(() => conn.receive({ jsonrpc: '2.0', id: message.id, result }));
      return Promise.resolve();
    }
    const upstreamId = this.nextId++;
    const token = (params._meta as { progressToken?: Token } | undefined)?.progressToken;
    let upstreamParams = message.params;
    let upstreamToken: number | undefined;
    if (token !== undefined) {
      upstreamToken = this.nextToken++;
      this.tokens.set(upstreamToken, { conn, token });
      upstreamParams = { ...params, _meta: { ...params._meta, progressToken: upstreamToken } };
    }
    const uri = message.method === 'resources/subscribe' && typeof params.uri === 'string' ? params.uri : undefined;
    this.routes.set(upstreamId, { conn, id: message.id, method: message.method, upstreamToken, protocolVersion: params.protocolVersion, uri });
    const out: JSONRPCRequest = { ...message, id: upstreamId, ...(upstreamParams ? { params: upstreamParams } : {}) };
    // A process's first initialize also waits for it to boot (runtime start, imports: seconds under npx or uvx).
    // A listen lasts as long as its subscription: no deadline.
    if (message.method !== LISTEN_METHOD) this.deadlines.track(out, message.method === 'initialize' ? Math.max(this.options.requestTimeoutMs, INITIALIZE_MIN_DEADLINE_MS) : undefined);
    return this.sink(out).catch((err: unknown) => {
      this.drop(upstreamId);
      throw err;
    });
  }

  private deliverResponse(message: JSONRPCMessage): void {
    const upstreamId = (message as { id?: RequestId }).id;
    const route = upstreamId === undefined ? undefined : this.drop(upstreamId);
    if (!route) return;
    if (route.method === 'initialize' && 'result' in message) {
      this.initialized ??= { result: message.result as Record<string, unknown>, protocolVersion: route.protocolVersion };
      this.events.onReady();
    }
    if (route.uri !== undefined && 'error' in message) this.subscriptions.remove(route.uri, route.conn);
    route.conn.receive({ ...message, id: route.id } as JSONRPCMessage);
  }

  /**
   * A shared process's `resources/subscribe` from a URI's first subscriber, or `unsubscribe` from its last, goes
   * on (false); any other is answered here (true): the process already holds, or never held, that subscription.
   */
  private answersSubscription(conn: MuxConnection, request: JSONRPCRequest): boolean {
    const uri = request.params?.uri;
    if (typeof uri !== 'string') return false;
    let forward: boolean;
    if (request.method === 'resources/subscribe') forward = this.subscriptions.add(uri, conn);
    else if (request.method === 'resources/unsubscribe') forward = this.subscriptions.remove(uri, conn);
    else return false;
    if (!forward) queueMicrotask(() => conn.receive({ jsonrpc: '2.0', id: request.id, result: {} }));
    return !forward;
  }

  /** A request of the gateway's own whose answer nobody waits for (it finds no route and is dropped). */
  private sendUnanswered(method: string, params: Record<string, unknown>): void {
    void this.sink({ jsonrpc: '2.0', id: this.nextId++, method, params }).catch(() => {});
  }

  /**
   * A message of a 2026-07-28 `subscriptions/listen` stream, stamped with the listen request's id as the process
   * saw it: it goes to the session that holds that listen, under the session's own id; one of a listen no longer
   * held is dropped (it is nobody else's).
   */
  private deliverListened(message: JSONRPCNotification): void {
    const meta = message.params!._meta as Record<string, unknown>;
    const route = this.routes.get(meta[META.subscriptionId] as RequestId);
    if (route?.method !== LISTEN_METHOD) return;
    route.conn.receive({ ...message, params: { ...message.params, _meta: { ...meta, [META.subscriptionId]: route.id } } });
  }

  private deliverServerRequest(message: JSONRPCRequest): void {
    // A ping asks whether the client side is alive: the gateway is, and answering it gives away nothing.
    if (message.method === 'ping') return void this.sink({ jsonrpc: '2.0', id: message.id, result: {} }).catch(() => {});
    const target = this.attribute(message);
    if (!target) {
      const error = gatewayError('GW_ERR_MCP_SERVER_REQUEST_UNATTRIBUTED', message.method, this.options.server);
      const reply = { jsonrpc: '2.0' as const, id: message.id, error: { code: JsonRpcCode.InternalError, message: error.message, data: { code: error.code } } };
      void this.sink(reply).catch(() => {});
      return;
    }
    this.serverRequests.set(message.id, target);
    // A stdio wire has no stream per request: a request the server sends while the session has exactly one
    // request in flight is taken to be about that one, so it reaches the client on that request's POST stream
    // (open for sure) rather than on a GET stream the client may not have opened yet, or opened on another replica.
    const relatedRequestId = this.soleRequestOf(target);
    target.receive(message, relatedRequestId === undefined ? undefined : { relatedRequestId });
  }

  /** The one session a server→client request can only have come from, if there is one (see the class comment). */
  private attribute(message: JSONRPCRequest): MuxConnection | undefined {
    if (!this.options.shared) return this.connections.size === 1 ? this.connections.values().next().value : undefined;
    if (message.method === 'roots/list') return undefined;
    return this.soleRequester();
  }

  /** The session with requests in flight, when exactly one has any. */
  private soleRequester(): MuxConnection | undefined {
    let owner: MuxConnection | undefined;
    for (const route of this.routes.values()) {
      if (owner && route.conn !== owner) return undefined;
      owner = route.conn;
    }
    return owner;
  }

  /** The id (the session's own) of the one request `conn` has in flight, if it has exactly one. */
  private soleRequestOf(conn: MuxConnection): RequestId | undefined {
    let id: RequestId | undefined;
    for (const route of this.routes.values()) {
      if (route.conn !== conn) continue;
      if (id !== undefined) return undefined;
      id = route.id;
    }
    return id;
  }

  /** A shared process's log message: to the one session it can be tied to, else to the gateway's log. */
  private deliverLog(message: JSONRPCMessage): void {
    const owner = this.soleRequester();
    if (owner) return owner.receive(message);
    const params = (message as { params?: { level?: unknown; logger?: unknown; data?: unknown } }).params ?? {};
    const data = typeof params.data === 'string' ? params.data : JSON.stringify(params.data) ?? '';
    this.options.strayLogs?.write(data.slice(0, STRAY_LOG_MAX_CHARS), 'info', { level: params.level, logger: params.logger, sessions: this.connections.size });
  }

  private upstreamIdOf(conn: MuxConnection, id: RequestId | undefined): RequestId | undefined {
    for (const [upstreamId, route] of this.routes) if (route.conn === conn && route.id === id) return upstreamId;
    return undefined;
  }

  private drop(upstreamId: RequestId): Route | undefined {
    const route = this.routes.get(upstreamId);
    if (!route) return undefined;
    this.routes.delete(upstreamId);
    this.deadlines.settle(upstreamId);
    if (route.upstreamToken !== undefined) this.tokens.delete(route.upstreamToken);
    return route;
  }
}

/** An `initialize` request declaring the client's capabilities without `roots`. */
function withoutClientRoots(request: JSONRPCRequest): JSONRPCRequest {
  const params = request.params as { capabilities?: Record<string, unknown> } | undefined;
  if (!params?.capabilities?.roots) return request;
  return { ...request, params: { ...params, capabilities: withoutRoots(params.capabilities) } };
}

/**
 * One upstream session on a shared stdio process, as an SDK transport. Messages are handed on one per
 * event-loop turn: the SDK client runs notification handlers a microtask later but responses at once, so a
 * progress notification and the response right behind it in the same stdout chunk would otherwise arrive
 * response first, and the progress would be dropped as unknown.
 */
class MuxConnection implements Transport {
  /** This session's `initialize` was answered from the cache; its `initialized` notification is swallowed. */
  initFromCache = false;
  onmessage?: (message: JSONRPCMessage, extra?: UpstreamMessageExtra) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  private ended = false;

  constructor(private readonly mux: StdioMux) {}

  /** Nothing to open: the process is already running. */
  async start(): Promise<void> {}

  /** Sends upstream; rejects once closed. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (this.ended) throw new Error('The stdio connection is closed');
    await this.mux.send(this, message);
  }

  /** Leaves the process (which keeps serving other sessions). */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.mux.detach(this);
    this.onclose?.();
  }

  /** Hands an upstream message to the client on top, in order. */
  receive(message: JSONRPCMessage, extra?: UpstreamMessageExtra): void {
    if (this.ended) return;
    setImmediate(() => this.onmessage?.(message, extra));
  }

  /** The process is gone: close once, after the messages it sent before dying have been handed on. */
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    setImmediate(() => this.onclose?.());
  }
}
