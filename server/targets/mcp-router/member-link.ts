import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  McpError,
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  EmptyResultSchema,
  ListRootsRequestSchema,
  ListRootsResultSchema,
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
  type ClientRequest,
  type LoggingLevel,
  type Notification,
  type RequestId,
  type ServerCapabilities,
  type ServerNotification,
  type SubscribeRequest,
  type Tool,
  type UnsubscribeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { TurnBudget } from '../../pipeline/turn-budget.js';
import type { z } from 'zod';
import { learnInfo, learnTools, type BackendPool, type MemberInfo, type PooledBackend } from './backend-pool.js';
import { capabilityKey } from './client-capabilities.js';
import { isObject } from './json-rpc.js';
import { JsonRpcCode, asSentUpstream, protocolError } from './mcp-errors.js';
import type { DownstreamCall, DownstreamRelay } from './relay.js';
import type { McpBackend, ResumableTransport, UpstreamResume } from './backend.js';
import type { SessionKeeper } from './session-keeper.js';
import { passThroughSchemaValidator } from './schema-validation.js';
import type { MemberEras } from './era/member-eras.js';
import { UpstreamCalls } from './upstream-calls.js';
import { ModernUpstream } from './era/modern-upstream.js';

/** Timing of a member's upstream connection. */
export interface LinkTiming {
  /** Deadline of each step of opening an upstream session (connect + initialize, then each request it makes), ms. */
  readonly connectTimeoutMs: number;
  /** First retry delay after a failure, ms (doubles per failure). */
  readonly retryInitialMs: number;
  /** Longest retry delay, ms. */
  readonly retryMaxMs: number;
}

/** What a link needs from the downstream session that owns it (the session itself). */
export interface LinkOwner {
  readonly id: string;
  readonly config: { readonly name: string };
  readonly services: { readonly pool: BackendPool; readonly timing: LinkTiming; readonly log: Logger; readonly turns: TurnBudget; readonly eras: Pick<MemberEras, 'observeFailure' | 'current'> };
  /** The client's capabilities, declared upstream as the gateway's own. */
  readonly clientCapabilities: ClientCapabilities;
  /** Whether the client speaks 2026-07-28: a 2026 member's `input_required` then reaches it as the member wrote it. */
  readonly modernClient?: boolean;
  /** The authenticated consumer, if any: REST servers use its own settings (agate consumer settings). */
  readonly consumer?: { readonly name: string };
  /** The Authorization header the client sent last (remote token exchange). */
  readonly authorization?: string;
  /** The level the client set with logging/setLevel, if any: every upstream session gets it when it opens. */
  readonly logLevel: LoggingLevel | undefined;
  /** Where upstream handles and subscriptions go so another replica can rebuild the session, if anywhere. */
  readonly keeper: SessionKeeper | undefined;
  /** The upstream session to continue for `member` (a session rebuilt on this replica), handed out once. */
  takeResume(member: string): UpstreamResume | undefined;
  readonly relay: DownstreamRelay;
  /** Maps an upstream resource URI to the one the downstream client sees. */
  exposeUri(member: string, uri: string): string;
  /** The link's tools or availability changed; `notify`: the client may have seen the old tools. */
  linkChanged(notify: boolean): void;
}

const MAX_TOOL_PAGES = 100;

/** Upstream notifications handed to the client as they are (but for a resource's URI). */
const RELAYED_NOTIFICATIONS: ReadonlySet<string> = new Set([
  'notifications/message',
  'notifications/resources/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/updated',
]);

/**
 * One member as seen by one downstream session. Its upstream session is opened when a request first needs it
 * (`open`); until then the link answers from what the pool learnt about the member. Once opened it reconnects
 * with backoff when the backend fails, withdrawing the member's tools meanwhile, so a failing member never
 * breaks its session; what the client set (log level, subscriptions) is replayed on every new upstream session.
 */
export class MemberLink {
  /** `idle`: never opened. */
  state: 'idle' | 'connecting' | 'ready' | 'down' | 'closed' = 'idle';
  client: Client | undefined;
  /** The relay for tools/call on the same upstream session as `client` (set and cleared with it). */
  calls: UpstreamCalls | undefined;
  /** The member's tools while ready (the latest listing), else none. */
  tools: readonly Tool[] = [];
  /** What the member said at initialize: this link's upstream session's, or the pool's while idle; unknown before. */
  info: MemberInfo | undefined;
  /** The backend recipe hash `info` and the connection belong to. */
  hash = '';
  /** Why the last opening failed, when it was this user's upstream token (reported instead of "unavailable"). */
  tokenFailure: McpError | undefined;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The connection attempt in flight, shared by whoever waits for it. */
  private attempt: Promise<void> | undefined;
  /** The first attempt while in flight: what requests wait for before the link ever was up. */
  private firstOpen: Promise<void> | undefined;
  /** Upstream URIs the client subscribed to, resubscribed on reconnect. */
  private subscriptions: Set<string> | undefined;
  /** The open connection's transport (closing it may leave the upstream session to other replicas). */
  private transport: Transport | undefined;

  constructor(
    readonly name: string,
    private readonly owner: LinkOwner,
  ) {
    this.learnFromPool();
  }

  get capabilities(): ServerCapabilities | undefined {
    return this.info?.capabilities;
  }

  /** Whether the member counts as offered: up, or not opened yet but known from an earlier session. */
  get usable(): boolean {
    return this.info !== undefined && (this.state === 'ready' || this.state === 'idle');
  }

  /** Opens the upstream session if the link never was, and waits for that first attempt; never throws. */
  open(): Promise<void> {
    if (this.state === 'idle') {
      const first = this.connect().finally(() => {
        if (this.firstOpen === first) this.firstOpen = undefined;
      });
      this.firstOpen = first;
    }
    return this.firstOpen ?? Promise.resolve();
  }

  /** Sends a request to the member, opening its upstream session first; a JSON-RPC error when it is not up. */
  async request<S extends z.ZodType>(request: ClientRequest, schema: S, options?: RequestOptions): Promise<z.infer<S>> {
    await this.open();
    const client = this.client;
    if (!client) throw this.tokenFailure ?? protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_UNAVAILABLE', [this.name]);
    // The SDK's generic typing of schemas does not line up across its entry points; it validates either way.
    return (client.request(request, schema as never, options) as Promise<z.infer<S>>).catch((err: unknown) => {
      throw asSentUpstream(err);
    });
  }

  /** Subscribes to upstream resource `uri`, remembered so a new upstream session is subscribed again. */
  async subscribe(params: SubscribeRequest['params'], options: RequestOptions): Promise<void> {
    await this.request({ method: 'resources/subscribe', params }, EmptyResultSchema, options);
    (this.subscriptions ??= new Set()).add(params.uri);
    await this.keepSubscriptions();
  }

  /** Ends a subscription upstream and forgets it. */
  async unsubscribe(params: UnsubscribeRequest['params'], options: RequestOptions): Promise<void> {
    this.subscriptions?.delete(params.uri);
    await this.keepSubscriptions();
    await this.request({ method: 'resources/unsubscribe', params }, EmptyResultSchema, options);
  }

  /** Takes the subscriptions of a session rebuilt on this replica: its upstream session is subscribed when it opens. */
  restoreSubscriptions(uris: readonly string[]): void {
    if (uris.length > 0) this.subscriptions = new Set(uris);
  }

  private keepSubscriptions(): Promise<void> | undefined {
    return this.owner.keeper?.client({ subscriptions: { [this.name]: [...(this.subscriptions ?? [])] } });
  }

  /** Follows a config change: an unopened link re-reads the pool; an opened one reconnects if its backend changed or it is down. */
  async refresh(): Promise<void> {
    if (this.state === 'idle') return this.learnFromPool();
    await this.attempt;
    const pooled = this.owner.services.pool.get(this.name);
    if (this.state === 'closed' || (this.state === 'ready' && pooled?.hash === this.hash)) return;
    const old = this.client;
    this.client = this.calls = undefined;
    await old?.close().catch(() => {});
    await this.connect();
  }

  /** Marks the connection dead after a call saw it fail; the retry loop brings it back. */
  lost(client: Client): void {
    if (client !== this.client || this.state === 'closed') return;
    this.client = this.calls = undefined;
    void client.close().catch(() => {});
    this.fail(new Error(`server "${this.name}" closed the connection`), true);
  }

  /** Ends the link for good; `keepUpstream`: its upstream session stays open for other replicas. */
  async close(keepUpstream = false): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    if (keepUpstream) (this.transport as Partial<ResumableTransport> | undefined)?.keepUpstreamSession?.();
    const client = this.client;
    this.client = this.calls = undefined;
    await client?.close().catch(() => {});
  }

  /** Connects (or reconnects) to the member's current backend, joining an attempt in flight; never throws. */
  private connect(): Promise<void> {
    clearTimeout(this.retryTimer);
    if (this.attempt) return this.attempt;
    const attempt = this.tryConnect().finally(() => {
      this.attempt = undefined;
    });
    this.attempt = attempt;
    return attempt;
  }

  private async tryConnect(retryOf?: { first: boolean }): Promise<void> {
    const pooled = this.owner.services.pool.get(this.name);
    const first = retryOf?.first ?? this.state === 'idle';
    if (!pooled) return this.fail(new Error(`server "${this.name}" is not configured`), false);
    this.state = 'connecting';
    const client = this.newClient();
    let sentLevel: LoggingLevel | undefined;
    let info: MemberInfo;
    let tools: readonly Tool[];
    let calls: UpstreamCalls;
    try {
      ({ info, tools, sentLevel, calls } = await this.handshake(pooled, client, first));
    } catch (err) {
      await client.close().catch(() => {});
      // A modern-only refusal of 2025 has the member probed again; once that finds it modern, this session opens
      // it statelessly at once rather than after the retry delay (a stdio member is only probed once the session
      // that started its process has tried it).
      const eras = this.owner.services.eras;
      if (eras.observeFailure(this.name, err) && !retryOf && (await eras.current(this.name))?.era === 'modern' && !this.isClosed()) return this.tryConnect({ first });
      return this.fail(err as Error, true);
    }
    // close() may have run while we waited.
    if (this.isClosed()) return void client.close().catch(() => {});
    this.hash = pooled.hash;
    this.info = info;
    this.tools = tools;
    this.client = client;
    this.calls = calls;
    this.state = 'ready';
    this.failures = 0;
    this.tokenFailure = undefined;
    client.onclose = () => this.lost(client);
    const level = this.owner.logLevel;
    // The client changed the level while the handshake ran.
    if (level !== sentLevel && info.capabilities.logging && level) void client.setLoggingLevel(level).catch(() => {});
    // A first opening only makes tools known; any later one may change what the client saw.
    this.owner.linkChanged(!first);
  }

  /**
   * Connect + initialize, then what the session set so far, then the tools: the new upstream session as if it had
   * always been open. Each step has the connect deadline, not the whole: an upstream that answers, slowly, under
   * load is opened (a thousand sessions opening at once against a saturated one took 3 s a step), a dead one fails
   * within the deadline of the step it stops at.
   */
  private async handshake(pooled: PooledBackend, client: Client, first: boolean) {
    const ms = this.owner.services.timing.connectTimeoutMs;
    const step = <T>(work: Promise<T>): Promise<T> => withTimeout(work, ms);
    const clientCapabilities = this.owner.clientCapabilities;
    const resume = this.owner.takeResume(this.name);
    const inboundAuthorization = () => this.owner.authorization;
    // A modern-only member is spoken to statelessly under the same SDK client: ModernUpstream turns the session
    // into 2026 requests (a probe in flight is waited for, so a first session does not try 2025 on it first).
    const era = await step(this.owner.services.eras.current(this.name));
    const opened = await step(pooled.backend.connect({ clientCapabilities, consumer: this.owner.consumer?.name, inboundAuthorization, resume }));
    const transport: Transport = era?.era === 'modern' ? new ModernUpstream(opened, this.name, { passInputOn: this.owner.modernClient }) : opened;
    await step(client.connect(transport, { timeout: ms }));
    this.transport = transport;
    const handle = (transport as Partial<ResumableTransport>).resumeHandle?.();
    if (handle && handle.upstreamSessionId !== resume?.upstreamSessionId) await this.owner.keeper?.upstream({ member: this.name, ...handle });
    const turns = this.owner.services.turns;
    const calls = new UpstreamCalls(transport, (finish) => turns.finish(finish), (n, related) => this.relayNotification(n, related));
    const version = client.getServerVersion()?.version;
    const known = pooled.info;
    const info = learnInfo(pooled, { version, capabilities: client.getServerCapabilities() ?? {}, instructions: client.getInstructions() });
    const sentLevel = info.capabilities.logging ? this.owner.logLevel : undefined;
    if (sentLevel) await step(client.setLoggingLevel(sentLevel));
    for (const uri of this.subscriptions ?? []) await step(client.subscribeResource({ uri })).catch(() => {});
    // A first opening of a member whose tools an earlier session listed, and which says what it said then, takes
    // that listing (a server whose tools change says so with list_changed): a round trip less before the call that
    // opened the link. A reconnect lists again: the upstream may have been replaced. Only a listing learnt under
    // the same client capabilities counts: the server may offer other tools to other clients. A member that sees
    // each user's own credential may list other tools to each user: every session lists, and keeps its list.
    const capsKey = capabilityKey(clientCapabilities);
    const shared = !perUserUpstream(pooled.backend);
    const learnt = first && info === known && shared ? pooled.tools.get(capsKey) : undefined;
    const listed = !info.capabilities.tools || learnt ? undefined : await step(listAllTools(client));
    const tools = learnt ? learnt.tools : !listed ? [] : shared ? learnTools(pooled, capsKey, listed) : listed;
    return { info, tools, sentLevel, calls };
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private learnFromPool(): void {
    const pooled = this.owner.services.pool.get(this.name);
    this.info = pooled?.info;
    this.hash = pooled?.info ? pooled.hash : '';
  }

  private fail(err: Error, retry: boolean): void {
    if (this.state === 'closed') return;
    const hadTools = this.tools.length > 0 || this.state === 'ready';
    this.state = 'down';
    this.tools = [];
    // A token the authorization server would not give for this session's user (token exchange) says why; a
    // server-wide one (client credentials) is the operator's to read in the log, as any unavailable member.
    const backend = this.owner.services.pool.get(this.name)?.backend;
    const usersOwn = backend !== undefined && perUserUpstream(backend);
    this.tokenFailure = usersOwn && err instanceof McpError && isObject(err.data) && err.data.code === 'GW_ERR_UPSTREAM_TOKEN' ? err : undefined;
    this.owner.services.log.warn({ session: this.owner.id, server: this.owner.config.name, member: this.name, err: err.message }, 'mcp member unavailable');
    if (hadTools) this.owner.linkChanged(true);
    if (!retry) return;
    const { retryInitialMs, retryMaxMs } = this.owner.services.timing;
    const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(this.failures++, 20));
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private newClient(): Client {
    const caps = this.owner.clientCapabilities;
    const client = new Client({ name: 'agate', version: '0.1.0' }, { capabilities: caps, jsonSchemaValidator: passThroughSchemaValidator });
    const relay = this.owner.relay;
    // Once the session is open, UpstreamCalls routes these before the client sees them; this covers the handshake.
    client.fallbackNotificationHandler = async (n) => void this.relayNotification(n, undefined);
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      if (client !== this.client) return;
      const pooled = this.owner.services.pool.get(this.name);
      const tools = await listAllTools(client).catch(() => undefined);
      if (!tools || client !== this.client) return;
      this.tools = pooled?.hash === this.hash && !perUserUpstream(pooled.backend) ? learnTools(pooled, capabilityKey(caps), tools) : tools;
      this.owner.linkChanged(true);
    });
    // A request the upstream sent on a call's stream goes to the stream of the client request behind that call.
    const related = (extra: UpstreamRequestExtra) => withdrawable(client === this.client ? this.calls?.relatedTo(extra.requestId) : undefined, extra.signal);
    if (caps.sampling) {
      client.setRequestHandler(CreateMessageRequestSchema, (req, extra) =>
        relay.request(req, req.params.tools ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema, related(extra)),
      );
    }
    if (caps.elicitation) client.setRequestHandler(ElicitRequestSchema, (req, extra) => relay.request(req, ElicitResultSchema, related(extra)));
    if (caps.roots) client.setRequestHandler(ListRootsRequestSchema, (req, extra) => relay.request(req, ListRootsResultSchema, related(extra)));
    return client;
  }

  /**
   * Relays an upstream notification meant for the client (log messages, resource and prompt changes) on the
   * stream of the client request it relates to, else on the session's; false: not one of those (tools/list_changed
   * is the client's to handle: it re-lists). A resource URI is rewritten to the one the client knows.
   */
  private relayNotification(n: Notification, related: DownstreamCall | undefined): boolean {
    if (!RELAYED_NOTIFICATIONS.has(n.method)) return false;
    let notification = n as ServerNotification;
    if (n.method === 'notifications/resources/updated') {
      const uri = isObject(n.params) ? n.params.uri : undefined;
      if (typeof uri !== 'string') return true; // not a valid one: nothing the client could use
      notification = { method: n.method, params: { ...n.params, uri: this.owner.exposeUri(this.name, uri) } };
    }
    void this.owner.relay.notify(notification, related).catch(() => {});
    return true;
  }
}

/** What the SDK client's handler of an upstream's request knows of it: its id and whether it was withdrawn. */
interface UpstreamRequestExtra {
  readonly requestId: RequestId;
  readonly signal: AbortSignal;
}

/**
 * The stream of the client request a member's request relates to, with the member's withdrawal passed on: when the
 * member cancels its request (or the MRTR exchange it stands for ends), the client is told with
 * `notifications/cancelled` for the request it was sent, as a 2025 server would (basic/utilities/cancellation).
 */
function withdrawable(call: DownstreamCall | undefined, signal: AbortSignal): DownstreamCall | undefined {
  if (!call) return undefined;
  const sendRequest = ((request, schema, options) => call.sendRequest(request, schema, { ...options, signal })) as DownstreamCall['sendRequest'];
  return { sendNotification: call.sendNotification, sendRequest };
}

/**
 * Whether a member's upstream sees each user's own credential (a remote server with passthrough, token exchange or
 * the token vault): it may list other tools to each user, so its listings are never shared between sessions, and
 * a failure to get a user's token is that user's to be told.
 */
function perUserUpstream(backend: McpBackend): boolean {
  return backend.kind === 'remote' && ((backend.passthroughHeaders?.length ?? 0) > 0 || backend.perUserConsent !== undefined);
}

async function listAllTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const res = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...res.tools);
    cursor = res.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
