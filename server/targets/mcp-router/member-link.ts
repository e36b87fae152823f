import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  ListRootsRequestSchema,
  ListRootsResultSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { BackendPool } from './backend-pool.js';
import { JsonRpcCode, protocolError } from './mcp-errors.js';
import type { DownstreamRelay } from './relay.js';
import { passThroughSchemaValidator } from './schema-validation.js';

/** Timing of a member's upstream connection. */
export interface LinkTiming {
  /** Deadline for connect + initialize + the first tools/list, ms. */
  readonly connectTimeoutMs: number;
  /** First retry delay after a failure, ms (doubles per failure). */
  readonly retryInitialMs: number;
  /** Longest retry delay, ms. */
  readonly retryMaxMs: number;
}

/** What a link needs from its session. */
export interface MemberLinkDeps {
  readonly pool: BackendPool;
  readonly clientCapabilities: ClientCapabilities;
  readonly relay: DownstreamRelay;
  readonly timing: LinkTiming;
  readonly log: Logger;
  /** Maps an upstream resource URI to the one the downstream client sees. */
  exposeUri(member: string, uri: string): string;
  /** Called when the link's tools or availability changed (the session re-indexes and tells the client). */
  onChange(): void;
}

const MAX_TOOL_PAGES = 100;

/**
 * One upstream MCP session with one member, owned by one downstream session. It reconnects with backoff when
 * the backend fails, withdrawing the member's tools meanwhile, so a failing member never breaks its session.
 */
export class MemberLink {
  state: 'connecting' | 'ready' | 'down' | 'closed' = 'connecting';
  client: Client | undefined;
  tools: readonly Tool[] = [];
  capabilities: ServerCapabilities = {};
  instructions: string | undefined;
  /** The backend recipe hash this link is connected to. */
  hash = '';
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly deps: MemberLinkDeps,
  ) {}

  /** Connects (or reconnects) to the member's current backend; never throws. */
  async connect(): Promise<void> {
    clearTimeout(this.retryTimer);
    const pooled = this.deps.pool.get(this.name);
    if (!pooled) return this.fail(new Error(`server "${this.name}" is not configured`), false);
    this.state = 'connecting';
    let transport: Transport | undefined;
    const client = this.newClient();
    try {
      await withTimeout(
        (async () => {
          transport = await pooled.backend.connect();
          await client.connect(transport, { timeout: this.deps.timing.connectTimeoutMs });
          this.capabilities = client.getServerCapabilities() ?? {};
          this.tools = this.capabilities.tools ? await listAllTools(client) : [];
        })(),
        this.deps.timing.connectTimeoutMs,
      );
    } catch (err) {
      await client.close().catch(() => {});
      return this.fail(err as Error, true);
    }
    // close() may have run while we waited.
    if (this.isClosed()) return void client.close().catch(() => {});
    this.hash = pooled.hash;
    this.instructions = client.getInstructions();
    this.client = client;
    this.state = 'ready';
    this.failures = 0;
    client.onclose = () => this.lost(client);
    this.deps.onChange();
  }

  /** Sends a request to the member; a JSON-RPC error when it is not connected. */
  readonly request: Client['request'] = ((request, schema, options) => {
    const client = this.client;
    if (!client) return Promise.reject(protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_UNAVAILABLE', [this.name]));
    return client.request(request, schema, options);
  }) as Client['request'];

  /** A new, unconnected link to another member with the same session wiring. */
  sibling(name: string): MemberLink {
    return new MemberLink(name, this.deps);
  }

  /** Drops the current connection and connects to the (new) backend, e.g. after a config change. */
  async replace(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    await old?.close().catch(() => {});
    await this.connect();
  }

  /** Marks the connection dead after a call saw it fail; the retry loop brings it back. */
  lost(client: Client): void {
    if (client !== this.client || this.state === 'closed') return;
    this.client = undefined;
    void client.close().catch(() => {});
    this.fail(new Error(`server "${this.name}" closed the connection`), true);
  }

  /** Ends the link for good. */
  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private fail(err: Error, retry: boolean): void {
    if (this.state === 'closed') return;
    const hadTools = this.tools.length > 0 || this.state === 'ready';
    this.state = 'down';
    this.tools = [];
    this.deps.log.warn({ member: this.name, err: err.message }, 'mcp member unavailable');
    if (hadTools) this.deps.onChange();
    if (!retry) return;
    const { retryInitialMs, retryMaxMs } = this.deps.timing;
    const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(this.failures++, 20));
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private newClient(): Client {
    const caps = this.deps.clientCapabilities;
    const client = new Client({ name: 'agate', version: '0.1.0' }, { capabilities: caps, jsonSchemaValidator: passThroughSchemaValidator });
    const relay = this.deps.relay;
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => relay.notify(n));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => relay.notify(n));
    client.setNotificationHandler(PromptListChangedNotificationSchema, (n) => relay.notify(n));
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
      relay.notify({ ...n, params: { ...n.params, uri: this.deps.exposeUri(this.name, n.params.uri) } }),
    );
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      if (client !== this.client) return;
      this.tools = await listAllTools(client).catch(() => this.tools);
      this.deps.onChange();
    });
    if (caps.sampling) {
      client.setRequestHandler(CreateMessageRequestSchema, (req) =>
        relay.request(req, req.params.tools ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema),
      );
    }
    if (caps.elicitation) client.setRequestHandler(ElicitRequestSchema, (req) => relay.request(req, ElicitResultSchema));
    if (caps.roots) client.setRequestHandler(ListRootsRequestSchema, (req) => relay.request(req, ListRootsResultSchema));
    return client;
  }
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
