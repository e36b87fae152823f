import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { isNotification, isRequest } from '../json-rpc.js';
import { RequestDeadlines } from './request-deadlines.js';

type Sink = (message: JSONRPCMessage) => Promise<void>;
type Token = string | number;

/** A request in flight upstream: who sent it and under which id and progress token. */
interface Route {
  readonly conn: MuxConnection;
  readonly id: RequestId;
  readonly method: string;
  readonly upstreamToken?: number;
  readonly protocolVersion?: unknown;
}

/** What the mux tells its owner. */
export interface MuxEvents {
  /** An upstream `initialize` succeeded (the process is serving). */
  onReady(): void;
  /** The last connection detached. */
  onIdle(): void;
}

/**
 * Several upstream MCP sessions over one stdio process. Each connection is an SDK `Transport`; request ids and
 * progress tokens are rewritten into one upstream space and mapped back, server→client requests go to the
 * session with the latest request in flight, other notifications go to every session. The first `initialize`
 * reaches the server; later ones with the same protocol version are answered from its result, so a server that
 * allows one initialization per process still serves many sessions.
 */
export class StdioMux {
  private readonly connections = new Set<MuxConnection>();
  private readonly routes = new Map<RequestId, Route>();
  private readonly tokens = new Map<Token, { conn: MuxConnection; token: Token }>();
  private readonly serverRequests = new Map<RequestId, MuxConnection>();
  private readonly deadlines: RequestDeadlines;
  private initialized: { result: Record<string, unknown>; protocolVersion: unknown } | undefined;
  private nextId = 1;
  private nextToken = 1;

  constructor(
    server: string,
    requestTimeoutMs: number,
    private readonly sink: Sink,
    private readonly events: MuxEvents,
  ) {
    this.deadlines = new RequestDeadlines(server, requestTimeoutMs, (upstreamId, expiry) => {
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
    if (isRequest(message)) return this.sendRequest(conn, message);
    if (isNotification(message)) {
      if (message.method === 'notifications/initialized' && conn.initFromCache) return;
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
    const params = (message.params ?? {}) as { progressToken?: Token; requestId?: RequestId };
    if (message.method === 'notifications/progress') {
      const owner = this.tokens.get(params.progressToken as Token);
      owner?.conn.receive({ ...message, params: { ...message.params, progressToken: owner.token } });
      return;
    }
    if (message.method === 'notifications/cancelled' && this.serverRequests.has(params.requestId as RequestId)) {
      this.serverRequests.get(params.requestId as RequestId)?.receive(message);
      return;
    }
    for (const conn of this.connections) conn.receive(message);
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
    if (this.connections.size === 0) this.events.onIdle();
  }

  /** The process is gone: every session ends (the router reconnects them). */
  closeAll(): void {
    this.deadlines.clear();
    this.routes.clear();
    this.tokens.clear();
    this.serverRequests.clear();
    const all = [...this.connections];
    this.connections.clear();
    for (const conn of all) conn.terminate();
  }

  private sendRequest(conn: MuxConnection, message: JSONRPCRequest): Promise<void> {
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
    this.routes.set(upstreamId, { conn, id: message.id, method: message.method, upstreamToken, protocolVersion: params.protocolVersion });
    const out: JSONRPCRequest = { ...message, id: upstreamId, ...(upstreamParams ? { params: upstreamParams } : {}) };
    this.deadlines.track(out);
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
    route.conn.receive({ ...message, id: route.id } as JSONRPCMessage);
  }

  private deliverServerRequest(message: JSONRPCRequest): void {
    // Sampling, elicitation and roots requests belong to a tool call in flight: ask its session.
    let target: MuxConnection | undefined;
    for (const route of this.routes.values()) target = route.conn;
    target ??= this.connections.values().next().value;
    if (!target) {
      void this.sink({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: 'No client session is connected' } }).catch(() => {});
      return;
    }
    this.serverRequests.set(message.id, target);
    target.receive(message);
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

/**
 * One upstream session on a shared stdio process, as an SDK transport. Messages are handed on one per
 * event-loop turn: the SDK client runs notification handlers a microtask later but responses at once, so a
 * progress notification and the response right behind it in the same stdout chunk would otherwise arrive
 * response first, and the progress would be dropped as unknown.
 */
class MuxConnection implements Transport {
  /** This session's `initialize` was answered from the cache; its `initialized` notification is swallowed. */
  initFromCache = false;
  onmessage?: (message: JSONRPCMessage) => void;
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
  receive(message: JSONRPCMessage): void {
    if (this.ended) return;
    setImmediate(() => this.onmessage?.(message));
  }

  /** The process is gone: close once, after the messages it sent before dying have been handed on. */
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    setImmediate(() => this.onclose?.());
  }
}
