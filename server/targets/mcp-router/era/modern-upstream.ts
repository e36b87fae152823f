import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  ClientCapabilities,
  Implementation,
  InitializeRequest,
  InitializeResult,
  JSONRPCMessage,
  JSONRPCRequest,
  JSONRPCResponse,
  LoggingLevel,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamMessageExtra } from '../backend.js';
import { errorResponse, isNotification, isObject, isRequest, isResponse } from '../json-rpc.js';
import { JsonRpcCode, protocolError } from '../mcp-errors.js';
import { META, MODERN_PROTOCOL_VERSIONS } from '../modern-protocol.js';
import { InputExchanges } from './input-exchanges.js';
import { MemberListen } from './member-listen.js';

/** The revision agate speaks to modern members (the newest it knows). */
const MODERN_REVISION = MODERN_PROTOCOL_VERSIONS[0]!;

/**
 * A 2025 upstream session, as the router's SDK client sees it, over a 2026-07-28 (modern, stateless) member: the
 * link on top (MemberLink, UpstreamCalls) stays era-neutral. The client's `initialize` is answered from the
 * member's `server/discover` (never sent); every other request goes with the per-request `_meta` envelope
 * (protocolVersion, clientInfo and clientCapabilities from the client's initialize, logLevel as last set) — the
 * Streamable HTTP transport derives `MCP-Protocol-Version`/`Mcp-Method`/`Mcp-Name` from it (basic/index.mdx §_meta,
 * streamable-http.mdx §Request Metadata). `logging/setLevel` is kept here and sent per request; a result with
 * `resultType: "input_required"` (MRTR) is bridged here (InputExchanges): the member's questions reach the client
 * as a 2025 member's server→client requests during the call, and the call is retried with the answers.
 * `resources/subscribe`/`unsubscribe` and the notifications a 2025 member sends on its GET stream go through the
 * session's one `subscriptions/listen` stream to the member (MemberListen).
 *
 * One instance per link (per downstream session): the envelope it adds, the MRTR exchanges in flight and the
 * subscriptions are that session's, never another's.
 */
export class ModernUpstream implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: UpstreamMessageExtra) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  private clientInfo: Implementation = { name: 'agate', version: '0.1.0' };
  private clientCapabilities: ClientCapabilities = {};
  private logLevel: LoggingLevel | undefined;
  /** The client's initialize, by the id of the `server/discover` sent in its place. */
  private readonly discovering = new Map<RequestId, JSONRPCRequest>();
  /** Requests in flight and the MRTR exchanges they became. */
  private readonly exchanges: InputExchanges;
  /** The session's subscriptions and list-change notifications, over `subscriptions/listen`. */
  private readonly listen: MemberListen;
  private discoverIds = 0;

  /**
   * `passInputOn`: the session serves a 2026-07-28 client, which gets the member's `input_required` results as they
   * are (InputExchanges) rather than bridged into server→client requests.
   */
  constructor(
    private readonly inner: Transport,
    private readonly member: string,
    options: { readonly passInputOn?: boolean } = {},
  ) {
    this.exchanges = new InputExchanges({
      member,
      clientCapabilities: () => this.clientCapabilities,
      passInputOn: options.passInputOn === true,
      deliver: (message, extra) => this.onmessage?.(message, extra),
      send: (message) => this.inner.send(isRequest(message) ? this.enveloped(message) : message),
    });
    this.listen = new MemberListen({
      member,
      send: (message) => this.inner.send(isRequest(message) ? this.enveloped(message) : message),
      deliver: (message) => this.onmessage?.(message),
      answer: (message) => void this.answer(message),
    });
    inner.onmessage = (message, extra) => this.received(message, extra as UpstreamMessageExtra | undefined);
    inner.onerror = (err) => this.onerror?.(err);
    inner.onclose = () => {
      this.exchanges.clear();
      this.listen.close();
      this.onclose?.();
    };
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  /** Ends the session: its listen stream closes with the transport (which aborts every stream it reads). */
  close(): Promise<void> {
    this.listen.close();
    return this.inner.close();
  }

  /** The 2025 version the client negotiated: not sent, every request names the modern one in its `_meta`. */
  setProtocolVersion(): void {}

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isRequest(message)) return this.request(message, options);
    // No 2026 counterpart: the handshake's end (`notifications/initialized`), roots changes (a 2026 member asks for
    // roots per request, through MRTR).
    if (isNotification(message) && message.method !== 'notifications/cancelled') return;
    // The client's answers to the questions of an MRTR exchange; any other answer has no question here: dropped.
    if (isResponse(message)) return void this.exchanges.answered(message);
    // A cancelled request gets no answer: its exchange is abandoned, and the member told of the attempt it works on.
    const cancelled = isObject(message.params) ? message.params.requestId : undefined;
    if (typeof cancelled !== 'string' && typeof cancelled !== 'number') return this.inner.send(message, options);
    const attempt = this.exchanges.cancelled(cancelled);
    if (attempt === undefined) return;
    return this.inner.send({ ...message, params: { ...message.params, requestId: attempt } }, options);
  }

  private async request(message: JSONRPCRequest, options?: TransportSendOptions): Promise<void> {
    if (message.method === 'initialize') return this.discover(message);
    if (message.method === 'logging/setLevel') {
      const level = isObject(message.params) ? message.params.level : undefined;
      this.logLevel = typeof level === 'string' ? (level as LoggingLevel) : undefined;
      return this.answer({ jsonrpc: '2.0', id: message.id, result: {} });
    }
    if (message.method === 'resources/subscribe' || message.method === 'resources/unsubscribe') return this.subscription(message);
    this.exchanges.track(message);
    try {
      await this.inner.send(this.enveloped(message), options);
    } catch (err) {
      this.exchanges.untrack(message.id);
      throw err;
    }
  }

  /** 2026-07-28 has no such method: the URI goes into (or out of) the filter of the session's listen stream. */
  private subscription(message: JSONRPCRequest): Promise<void> {
    const uri = isObject(message.params) ? message.params.uri : undefined;
    if (!this.listen.subscribable) {
      return this.answer(errorResponse(message.id, protocolError(JsonRpcCode.MethodNotFound, 'GW_ERR_MCP_METHOD_NOT_FOUND', [message.method, MODERN_REVISION])));
    }
    if (typeof uri !== 'string') return this.answer(errorResponse(message.id, protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', ['uri must be a string'])));
    if (message.method === 'resources/subscribe') this.listen.subscribe(message, uri);
    else this.listen.unsubscribe(message, uri);
    return Promise.resolve();
  }

  /** Sends `server/discover` in place of the client's initialize, whose answer is made from it. */
  private discover(init: JSONRPCRequest): Promise<void> {
    const params = init.params as InitializeRequest['params'];
    this.clientInfo = params.clientInfo;
    this.clientCapabilities = params.capabilities;
    const id = `agate-discover-${++this.discoverIds}`;
    this.discovering.set(id, init);
    return this.inner.send(this.enveloped({ jsonrpc: '2.0', id, method: 'server/discover', params: {} })).catch((err: unknown) => {
      this.discovering.delete(id);
      throw err;
    });
  }

  /** The request with this session's modern envelope merged into its `_meta` (the envelope's keys win). */
  private enveloped(message: JSONRPCRequest): JSONRPCRequest {
    const params = message.params ?? {};
    const _meta: Record<string, unknown> = {
      ...(params._meta as Record<string, unknown> | undefined),
      [META.protocolVersion]: MODERN_REVISION,
      [META.clientInfo]: this.clientInfo,
      [META.clientCapabilities]: this.clientCapabilities,
    };
    if (this.logLevel) _meta[META.logLevel] = this.logLevel;
    return { ...message, params: { ...params, _meta } };
  }

  private received(message: JSONRPCMessage, extra: UpstreamMessageExtra | undefined): void {
    if (this.listen.received(message, extra?.relatedRequestId)) return;
    // What the member sends on a retry's stream belongs to the request it retries.
    const related = extra?.relatedRequestId === undefined ? undefined : this.exchanges.originOf(extra.relatedRequestId);
    const relayed = related === extra?.relatedRequestId ? extra : { ...extra, relatedRequestId: related };
    if (!isResponse(message) || message.id === undefined) return this.onmessage?.(message, relayed);
    const init = this.discovering.get(message.id);
    if (init) {
      this.discovering.delete(message.id);
      return this.onmessage?.(this.initializeAnswer(init, message), extra);
    }
    const id = this.exchanges.originOf(message.id);
    // An answer to an attempt no longer in flight (the request was retried, failed or cancelled since).
    if (id === undefined) return;
    if ('result' in message && message.result.resultType === 'input_required') return this.exchanges.inputRequired(id, message.result);
    this.exchanges.finished(id);
    this.onmessage?.(id === message.id ? message : { ...message, id }, relayed);
  }

  /**
   * The initialize answer made from the member's discover result: the 2025 revision the client asked for (the
   * session between the client and this transport is 2025; the member's is per request), the member's
   * capabilities, identity (`_meta` serverInfo) and instructions. A discover error is the initialize's.
   */
  private initializeAnswer(init: JSONRPCRequest, answer: JSONRPCResponse): JSONRPCResponse {
    if (!('result' in answer)) return { ...answer, id: init.id };
    const discovered = answer.result;
    const serverInfo = isObject(discovered._meta) && isObject(discovered._meta[META.serverInfo]) ? discovered._meta[META.serverInfo] : undefined;
    const result: InitializeResult = {
      protocolVersion: (init.params as InitializeRequest['params']).protocolVersion,
      capabilities: isObject(discovered.capabilities) ? discovered.capabilities : {},
      serverInfo: (serverInfo as Implementation | undefined) ?? { name: this.member, version: 'unknown' },
      ...(typeof discovered.instructions === 'string' ? { instructions: discovered.instructions } : {}),
    };
    this.listen.discovered(result.capabilities);
    return { jsonrpc: '2.0', id: init.id, result };
  }

  /** Answers the client in the member's place, after `send` returned (as an answer from the network would). */
  private answer(message: JSONRPCResponse): Promise<void> {
    queueMicrotask(() => this.onmessage?.(message));
    return Promise.resolve();
  }
}
