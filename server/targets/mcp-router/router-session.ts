import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { InitializeRequest, InitializeResult, RequestId, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { ConsumerIdentity } from '../../pipeline/index.js';
import type { BackendPool } from './backend-pool.js';
import { MemberLink, type LinkTiming } from './member-link.js';
import type { McpMetrics } from './mcp-metrics.js';
import { exposedUri, namingRule, type NamingRule } from './naming.js';
import type { ToolCallLimiter } from './policy.js';
import { downstreamRelay } from './relay.js';
import { passThroughSchemaValidator } from './schema-validation.js';
import { registerSessionHandlers } from './session-handlers.js';
import { indexTools, type ToolIndex } from './tool-index.js';
import type { CompiledMcpServer } from './types.js';

/** Protocol revisions the router speaks, newest first (negotiated in initialize). */
export const SUPPORTED_PROTOCOL_VERSIONS = Object.freeze(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);

/** Long-lived router pieces every session uses. */
export interface SessionServices {
  readonly pool: BackendPool;
  readonly limiter: ToolCallLimiter;
  readonly metrics: McpMetrics;
  readonly log: Logger;
  readonly timing: LinkTiming;
  /** Deadline of one relayed request without progress, ms. */
  readonly toolTimeoutMs: number;
}

/** What a new downstream session starts from. */
export interface RouterSessionInit {
  readonly id: string;
  readonly config: CompiledMcpServer;
  readonly consumer: ConsumerIdentity | undefined;
  /** Socket address of the client that opened the session (fallback caller address). */
  readonly remoteAddress: string;
  readonly services: SessionServices;
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
 * one upstream session per member. Survives snapshot swaps: `reconcile` moves it onto the new config.
 */
export class RouterSession {
  readonly id: string;
  readonly server: Server;
  readonly consumer: ConsumerIdentity | undefined;
  readonly services: SessionServices;
  config: CompiledMcpServer;
  rule: NamingRule;
  links: MemberLink[] = [];
  index: ToolIndex = { list: [], byName: new Map() };
  protocolVersion = SUPPORTED_PROTOCOL_VERSIONS[0]!;
  /** Exposed prompt name → member and upstream name, learnt from prompts/list (fitted names cannot be split). */
  readonly promptNames = new Map<string, { member: string; name: string }>();
  private readonly callers = new Map<RequestId, string>();
  private readonly remoteAddress: string;
  private initialized = false;
  private toolsKey = '';
  private closed = false;

  constructor(init: RouterSessionInit) {
    this.id = init.id;
    this.config = init.config;
    this.consumer = init.consumer;
    this.services = init.services;
    this.remoteAddress = init.remoteAddress;
    this.rule = ruleOf(init.config);
    this.server = new Server({ name: init.config.name, version: '0.1.0' }, { capabilities: ALL_CAPABILITIES, jsonSchemaValidator: passThroughSchemaValidator });
    this.server.oninitialized = () => {
      this.initialized = true;
    };
    registerSessionHandlers(this);
  }

  /** Member server names, in order (a plain server is its own single member). */
  get memberNames(): readonly string[] {
    return this.config.bundle?.members ?? [this.config.name];
  }

  /** Answers initialize: connects every member with the client's capabilities, then mirrors theirs. */
  async initialize(params: InitializeRequest['params']): Promise<InitializeResult> {
    const requested = params.protocolVersion;
    this.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : SUPPORTED_PROTOCOL_VERSIONS[0]!;
    if (this.links.length === 0) {
      const relay = downstreamRelay(this.server);
      this.links = this.memberNames.map(
        (name) =>
          new MemberLink(name, {
            pool: this.services.pool,
            clientCapabilities: params.capabilities,
            relay,
            timing: this.services.timing,
            log: this.services.log.child({ session: this.id, server: this.config.name }),
            exposeUri: (member, uri) => exposedUri(member, uri, this.rule),
            onChange: () => this.reindex(true),
          }),
      );
      await Promise.all(this.links.map((l) => l.connect()));
    }
    this.reindex(false);
    const single = this.links.length === 1 ? this.links[0] : undefined;
    const instructions = single ? single.instructions : this.bundleInstructions();
    return {
      protocolVersion: this.protocolVersion,
      capabilities: this.capabilities(),
      serverInfo: { name: this.config.name, version: single?.client?.getServerVersion()?.version ?? '0.1.0' },
      ...(instructions ? { instructions } : {}),
    };
  }

  /** Records which socket address sent request `id` (for the verified caller IP). */
  noteCaller(id: RequestId, address: string): void {
    if (this.callers.size > 10_000) this.callers.clear();
    this.callers.set(id, address);
  }

  /** The verified address of the client that sent request `id`. */
  callerOf(id: RequestId): string {
    const address = this.callers.get(id) ?? this.remoteAddress;
    this.callers.delete(id);
    return address;
  }

  /** Rebuilds the tool index; tells the client when the exposed tools changed. */
  reindex(notify: boolean): void {
    this.index = indexTools(this.links.filter((l) => l.state === 'ready'), this.rule, this.config.bundle?.tools);
    const key = JSON.stringify(this.index.list.map((t) => [t.exposed, t.tool]));
    const changed = key !== this.toolsKey;
    this.toolsKey = key;
    if (notify && changed) this.sendToolListChanged();
  }

  /** Moves the session onto a new compiled config; members whose backend changed reconnect. */
  async reconcile(config: CompiledMcpServer): Promise<void> {
    const configChanged = config.configHash !== this.config.configHash;
    this.config = config;
    this.rule = ruleOf(config);
    if (this.links.length === 0) return;
    const wanted = new Set(this.memberNames);
    const kept = this.links.filter((l) => wanted.has(l.name));
    await Promise.all(this.links.filter((l) => !wanted.has(l.name)).map((l) => l.close()));
    const template = this.links[0]!;
    for (const name of this.memberNames) if (!kept.some((l) => l.name === name)) kept.push(template.sibling(name));
    this.links = this.memberNames.map((n) => kept.find((l) => l.name === n)!);
    await Promise.all(
      this.links.map((l) => {
        const pooled = this.services.pool.get(l.name);
        const stale = l.state === 'down' || l.hash === '' || pooled?.hash !== l.hash;
        return stale && l.state !== 'closed' ? l.replace() : undefined;
      }),
    );
    this.reindex(!configChanged);
    if (configChanged) this.sendToolListChanged();
  }

  /** Ends the session and its upstream sessions. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.links.map((l) => l.close()));
    await this.server.close().catch(() => {});
  }

  private sendToolListChanged(): void {
    if (!this.initialized || this.closed) return;
    this.server.sendToolListChanged().catch(() => {});
  }

  private capabilities(): ServerCapabilities {
    const ready = this.links.filter((l) => l.state === 'ready');
    const caps: ServerCapabilities = { tools: { listChanged: true } };
    if (ready.length === 0) return { ...caps, logging: {} };
    const any = (k: keyof ServerCapabilities) => ready.some((l) => l.capabilities[k] !== undefined);
    if (any('resources')) {
      caps.resources = { listChanged: true, ...(ready.some((l) => l.capabilities.resources?.subscribe) ? { subscribe: true } : {}) };
    }
    if (any('prompts')) caps.prompts = { listChanged: true };
    if (any('completions')) caps.completions = {};
    if (any('logging')) caps.logging = {};
    return caps;
  }

  private bundleInstructions(): string | undefined {
    const parts = this.links.filter((l) => l.instructions).map((l) => `${l.name}: ${l.instructions}`);
    return parts.length ? parts.join('\n') : this.config.description;
  }
}

function ruleOf(config: CompiledMcpServer): NamingRule {
  const b = config.bundle;
  return b ? namingRule(b.prefix, b.separator, b.members.length) : namingRule('never', '___', 1);
}
