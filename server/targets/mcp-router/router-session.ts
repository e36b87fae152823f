import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, InitializeRequest, InitializeResult, JSONRPCMessage, LoggingLevel, MessageExtraInfo, RequestId, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ConsumerIdentity } from '../../pipeline/index.js';
import { MemberLink, type LinkOwner } from './member-link.js';
import { memberAdmits } from './member-policy.js';
import { exposedUri, namingRule, type NamingRule } from './naming.js';
import { isNotification, isRequest } from './json-rpc.js';
import { downstreamRelay, type DownstreamCall, type DownstreamRelay } from './relay.js';
import { passThroughSchemaValidator } from './schema-validation.js';
import { registerSessionHandlers } from './session-handlers.js';
import { serveToolCall } from './tool-call.js';
import type { ToolCall } from './tool-call-state.js';
import type { McpSession, SessionServices } from './session-view.js';
import type { MemberRetry } from './member-retry.js';
import type { SessionKeeper } from './session-keeper.js';
import type { UpstreamResume } from './backend.js';
import type { ClientState, UpstreamHandle } from './downstream/session-store.js';
import { EMPTY_INDEX, indexTools, sameTools, type ToolIndex } from './tool-index.js';
import type { CompiledMcpServer } from './types.js';

/** Protocol revisions the router speaks, newest first (negotiated in initialize). */
export const SUPPORTED_PROTOCOL_VERSIONS = Object.freeze(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);

/** What a new downstream session starts from. */
export interface RouterSessionInit {
  readonly id: string;
  readonly config: CompiledMcpServer;
  readonly consumer: ConsumerIdentity | undefined;
  /** Socket address of the client that opened the session (fallback caller address). */
  readonly remoteAddress: string;
  /** The Authorization header of the request that opened the session, if any (see RouterSession.authorization). */
  readonly authorization?: string;
  readonly services: SessionServices;
  /** Where what another replica needs to rebuild the session goes (the session store), if anywhere. */
  readonly keeper?: SessionKeeper;
  /** Whether the session serves 2026-07-28 requests (a stateless one): see LinkOwner.modernClient. */
  readonly modernClient?: boolean;
}

/** A session as saved by the replica that opened it: what this one rebuilds it from. */
export interface SavedSession {
  readonly state: ClientState & { readonly initialize: NonNullable<ClientState['initialize']> };
  readonly handles: readonly UpstreamHandle[];
}

// Handlers are registered against the widest set; initialize answers with what the members really offer.
const ALL_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
};

/**
 * One downstream MCP session: an SDK server (which does the JSON-RPC protocol work) whose handlers fan out to
 * one link per member. A link opens its upstream session only when a request needs it, so an initialized but
 * idle session holds none. Survives snapshot swaps: `reconcile` moves it onto the new config.
 */
export class RouterSession implements LinkOwner, McpSession {
  readonly id: string;
  readonly server: Server;
  readonly consumer: ConsumerIdentity | undefined;
  readonly services: SessionServices;
  config: CompiledMcpServer;
  rule: NamingRule;
  links: MemberLink[] = [];
  index: ToolIndex = EMPTY_INDEX;
  protocolVersion = SUPPORTED_PROTOCOL_VERSIONS[0]!;
  clientCapabilities: ClientCapabilities = {};
  logLevel: LoggingLevel | undefined;
  readonly keeper: SessionKeeper | undefined;
  /** tools/call requests being served, by downstream id (for the client's cancellations). */
  readonly calls = new Map<RequestId, ToolCall>();
  /** Exposed prompt name → member and upstream name, learnt from prompts/list (fitted names cannot be split). */
  promptNames: Map<string, { member: string; name: string }> | undefined;
  readonly modernClient: boolean;
  readonly memberRetries = new Map<RequestId, MemberRetry>();
  /** Request id → caller address, for requests that came from another address than the session's. */
  private callers: Map<RequestId, string> | undefined;
  private relayToClient: DownstreamRelay | undefined;
  private transport: Transport | undefined;
  private readonly remoteAddress: string;
  private inboundAuthorization: string | undefined;
  private initialized = false;
  /** Whether `index` was built from the links (see `initialize`). */
  private indexed = false;
  private closed = false;
  /** Upstream sessions other replicas opened for this session, by member, until a link continues them. */
  private resumes: Map<string, UpstreamResume> | undefined;

  constructor(init: RouterSessionInit) {
    this.id = init.id;
    this.config = init.config;
    this.consumer = init.consumer;
    this.services = init.services;
    this.remoteAddress = init.remoteAddress;
    this.inboundAuthorization = init.authorization;
    this.keeper = init.keeper;
    this.modernClient = init.modernClient === true;
    this.rule = ruleOf(init.config);
    this.server = new Server({ name: init.config.name, version: '0.1.0' }, { capabilities: ALL_CAPABILITIES, jsonSchemaValidator: passThroughSchemaValidator });
    this.server.oninitialized = () => {
      this.initialized = true;
    };
    registerSessionHandlers(this);
  }

  /**
   * Serves the session over its downstream transport. tools/call, the hot path, is taken off before the SDK
   * server sees it (its protocol layer classifies every message with zod parses and builds an AbortController and
   * handler context per request); the SDK server does everything else: initialize, lists, ping, the rest.
   */
  async connect(transport: Transport): Promise<void> {
    this.transport = transport;
    await this.server.connect(transport);
    const toServer = transport.onmessage!;
    transport.onmessage = (message, extra) => {
      if (!this.receive(message, extra)) toServer(message, extra);
    };
  }

  /** Where traffic caused by downstream request `id` goes: notifications and server→client requests on its stream. */
  callContext(id: RequestId): DownstreamCall {
    const server = this.server;
    return {
      sendNotification: (notification) => server.notification(notification, { relatedRequestId: id }),
      sendRequest: (request, schema, options) => server.request(request, schema, { ...options, relatedRequestId: id }),
    };
  }

  /** Member server names, in order (a plain server is its own single member). */
  get memberNames(): readonly string[] {
    return this.config.bundle?.members ?? [this.config.name];
  }

  /** How upstream notifications and requests reach this session's client. */
  get relay(): DownstreamRelay {
    return (this.relayToClient ??= downstreamRelay(this.server));
  }

  /**
   * Answers initialize from what the pool knows about each member; a member nothing is known about yet (first
   * session since start or since its config changed) is connected now, with the client's capabilities.
   */
  async initialize(params: InitializeRequest['params']): Promise<InitializeResult> {
    const requested = params.protocolVersion;
    if (!this.initialized) await this.keeper?.client({ initialize: params });
    this.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : SUPPORTED_PROTOCOL_VERSIONS[0]!;
    if (this.links.length === 0) {
      this.clientCapabilities = params.capabilities;
      this.links = this.memberNames.map((name) => new MemberLink(name, this));
      // A member the consumer may not use is never opened on their behalf (member-policy.ts).
      await Promise.all(this.links.map((l) => (l.info || !memberAdmits(this, l.name) ? undefined : l.open())));
    }
    // Once indexed, every change re-indexes by itself (linkChanged, reconcile): a kept session initialized again for
    // its next 2026 request (stateless-pool.ts) has nothing to rebuild.
    if (!this.indexed) this.reindex(false);
    const single = this.links.length === 1 ? this.links[0] : undefined;
    const instructions = single ? single.info?.instructions : this.bundleInstructions();
    return {
      protocolVersion: this.protocolVersion,
      capabilities: this.capabilities(),
      serverInfo: { name: this.config.name, version: (single?.usable && single.info?.version) || '0.1.0' },
      ...(instructions ? { instructions } : {}),
    };
  }

  /**
   * Rebuilds a session another replica opened, from what it saved: initialized with the client's own initialize
   * params, log level and subscriptions; members with an upstream session to continue, or subscriptions, open now
   * (a remote Streamable HTTP member goes on with the same upstream session, the others initialize anew).
   */
  async resume(saved: SavedSession): Promise<void> {
    this.initialized = true;
    this.logLevel = saved.state.logLevel;
    this.resumes = new Map();
    for (const { member, upstreamSessionId, protocolVersion, initializeResult } of saved.handles) {
      if (upstreamSessionId && protocolVersion && initializeResult) this.resumes.set(member, { upstreamSessionId, protocolVersion, initializeResult });
    }
    const subscriptions = saved.state.subscriptions ?? {};
    this.clientCapabilities = saved.state.initialize.capabilities;
    this.links = this.memberNames.map((name) => new MemberLink(name, this));
    for (const link of this.links) link.restoreSubscriptions(subscriptions[link.name] ?? []);
    await this.initialize(saved.state.initialize);
    const eager = this.links.filter((l) => (!l.info || this.resumes!.has(l.name) || subscriptions[l.name]?.length) && memberAdmits(this, l.name));
    await Promise.all(eager.map((l) => l.open()));
  }

  /**
   * Neither initialized here nor resumed: a copy of a legacy SSE session whose initialize another replica answered
   * (a plain server is a member of itself, so an initialized session always has links).
   */
  get blank(): boolean {
    return !this.initialized && this.links.length === 0;
  }

  takeResume(member: string): UpstreamResume | undefined {
    const resume = this.resumes?.get(member);
    this.resumes?.delete(member);
    return resume;
  }

  /**
   * The Authorization header the client sent last: a remote member with token exchange exchanges it for every
   * upstream message of this session. Every request of a session is its consumer's (find-session.ts), so it is
   * always that consumer's own token, possibly renewed.
   */
  get authorization(): string | undefined {
    return this.inboundAuthorization;
  }

  /** Takes the Authorization of a request on this session; a request without one leaves the last one in place. */
  noteAuthorization(value: string | undefined): void {
    if (value) this.inboundAuthorization = value;
  }

  /** Records which socket address sent request `id` (for the verified caller IP). */
  noteCaller(id: RequestId, address: string): void {
    if (address === this.remoteAddress) {
      this.callers?.delete(id);
      return;
    }
    this.callers ??= new Map();
    if (this.callers.size > 10_000) this.callers.clear();
    this.callers.set(id, address);
  }

  /** The verified address of the client that sent request `id`. */
  callerOf(id: RequestId): string {
    const address = this.callers?.get(id);
    if (address === undefined) return this.remoteAddress;
    this.callers!.delete(id);
    return address;
  }

  /** Maps an upstream resource URI of `member` to the one the client sees. */
  exposeUri(member: string, uri: string): string {
    return exposedUri(member, uri, this.rule);
  }

  /** A member's tools or availability changed: re-index, and tell the client if it may have seen other tools. */
  linkChanged(notify: boolean): void {
    this.reindex(notify);
  }

  /** Rebuilds the tool index; tells the client when the exposed tools changed. */
  reindex(notify: boolean): void {
    const before = this.index;
    this.index = indexTools(this.links, this.rule, this.config.bundle?.tools);
    this.indexed = true;
    if (notify && !sameTools(before, this.index)) this.sendToolListChanged();
  }

  /** Moves the session onto a new compiled config; opened members whose backend changed reconnect. */
  async reconcile(config: CompiledMcpServer): Promise<void> {
    const configChanged = config.configHash !== this.config.configHash;
    this.config = config;
    this.rule = ruleOf(config);
    if (this.links.length === 0) return;
    const wanted = new Set(this.memberNames);
    const old = this.links;
    await Promise.all(old.filter((l) => !wanted.has(l.name)).map((l) => l.close()));
    this.links = this.memberNames.map((n) => old.find((l) => l.name === n) ?? new MemberLink(n, this));
    await Promise.all(this.links.map((l) => l.refresh()));
    this.reindex(!configChanged);
    if (configChanged) this.sendToolListChanged();
  }

  /** Ends the session and its upstream sessions; `keepUpstream`: only this replica's copy ends, upstream sessions stay open for the others. */
  async close(keepUpstream = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.links.map((l) => l.close(keepUpstream)));
    await this.server.close().catch(() => {});
  }

  /** Takes the client's tools/call requests and cancellations of them; false: the message is the SDK server's. */
  private receive(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): boolean {
    if (isRequest(message)) {
      if (message.method !== 'tools/call') return false;
      serveToolCall(this, message, extra?.requestInfo);
      return true;
    }
    if (!isNotification(message) || message.method !== 'notifications/cancelled' || this.calls.size === 0) return false;
    const { requestId, reason } = (message.params ?? {}) as { requestId?: RequestId; reason?: unknown };
    const call = requestId === undefined ? undefined : this.calls.get(requestId);
    call?.cancel(typeof reason === 'string' ? reason : 'cancelled by the client');
    return call !== undefined;
  }

  /** Sends a JSON-RPC answer on the session's transport (tools/call answers bypass the SDK server). */
  answer(message: object): void {
    void this.reply(message);
  }

  private async reply(message: object): Promise<void> {
    if (this.closed) return;
    await this.transport?.send(message as JSONRPCMessage).catch((err: unknown) => this.services.log.warn({ err, session: this.id }, 'mcp answer not sent'));
  }

  private sendToolListChanged(): void {
    if (!this.initialized || this.closed) return;
    this.server.sendToolListChanged().catch(() => {});
  }

  private capabilities(): ServerCapabilities {
    const usable = this.links.filter((l) => l.usable);
    const caps: ServerCapabilities = { tools: { listChanged: true } };
    if (usable.length === 0) return { ...caps, logging: {} };
    const any = (k: keyof ServerCapabilities) => usable.some((l) => l.capabilities?.[k] !== undefined);
    if (any('resources')) {
      caps.resources = { listChanged: true, ...(usable.some((l) => l.capabilities?.resources?.subscribe) ? { subscribe: true } : {}) };
    }
    if (any('prompts')) caps.prompts = { listChanged: true };
    if (any('completions')) caps.completions = {};
    if (any('logging')) caps.logging = {};
    return caps;
  }

  private bundleInstructions(): string | undefined {
    const parts = this.links.filter((l) => l.info?.instructions).map((l) => `${l.name}: ${l.info!.instructions}`);
    return parts.length ? parts.join('\n') : this.config.description;
  }
}

function ruleOf(config: CompiledMcpServer): NamingRule {
  const b = config.bundle;
  return b ? namingRule(b.prefix, b.separator, b.members.length) : namingRule('never', '___', 1);
}
