import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ClientCapabilities, InitializeRequest, InitializeResult, LoggingLevel, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { TurnBudget } from '../../pipeline/turn-budget.js';
import type { ConsumerIdentity } from '../../pipeline/index.js';
import type { BackendPool } from './backend-pool.js';
import type { LinkTiming, MemberLink } from './member-link.js';
import type { McpMetrics } from './mcp-metrics.js';
import type { NamingRule } from './naming.js';
import type { DownstreamCall } from './relay.js';
import type { ToolCall } from './tool-call-state.js';
import type { ToolIndex } from './tool-index.js';
import type { CompiledMcpServer } from './types.js';
import type { MemberEras } from './era/member-eras.js';
import type { SessionKeeper } from './session-keeper.js';
import type { MemberRetry } from './member-retry.js';
import type { TokenVault } from '../../auth/vault/index.js';

/** Long-lived router pieces every session uses. */
export interface SessionServices {
  readonly pool: BackendPool;
  readonly metrics: McpMetrics;
  readonly log: Logger;
  readonly timing: LinkTiming;
  /** Deadline of one relayed request without progress, ms. */
  readonly toolTimeoutMs: number;
  /** Spreads MCP work over event-loop turns under load: new requests (ingress) and answers of relayed calls. */
  readonly turns: TurnBudget;
  /** The per-user token vault (servers with `upstreamAuth.type: authorization_code`), when the gateway has one. */
  readonly vault?: TokenVault;
  /** Members' protocol eras: learnt by probing, told of handshakes that contradict them. */
  readonly eras: MemberEras;
}

/**
 * One downstream session as its message handlers (lists, tools/call, member policy) see it. RouterSession
 * implements it; the handlers depend on this, not on the class, so the session and its handlers do not import
 * each other.
 */
export interface McpSession {
  readonly id: string;
  readonly server: Server;
  readonly consumer: ConsumerIdentity | undefined;
  /** What the client declared at initialize (URL elicitation decides how consent is asked for). */
  readonly clientCapabilities: ClientCapabilities;
  readonly services: SessionServices;
  readonly config: CompiledMcpServer;
  readonly rule: NamingRule;
  readonly links: readonly MemberLink[];
  readonly index: ToolIndex;
  /** Member server names, in order (a plain server is its own single member). */
  readonly memberNames: readonly string[];
  logLevel: LoggingLevel | undefined;
  /** Where what must outlive this replica's copy of the session goes, if anywhere. */
  readonly keeper: SessionKeeper | undefined;
  /** tools/call requests being served, by downstream id (for the client's cancellations). */
  readonly calls: Map<RequestId, ToolCall>;
  /** Exposed prompt name → member and upstream name, learnt from prompts/list (fitted names cannot be split). */
  promptNames: Map<string, { member: string; name: string }> | undefined;
  /** Whether the client speaks 2026-07-28 (a stateless session): members' own input_required reach it. */
  readonly modernClient: boolean;
  /** Requests that retry a 2026 member's own input_required, by downstream id (member-retry.ts). */
  readonly memberRetries: ReadonlyMap<RequestId, MemberRetry>;
  /** Where traffic caused by downstream request `id` goes: notifications and server→client requests on its stream. */
  callContext(id: RequestId): DownstreamCall;
  /** The address request `id` came from. */
  callerOf(id: RequestId): string;
  /** Sends a JSON-RPC answer on the session's transport (tools/call answers bypass the SDK server). */
  answer(message: object): void;
  initialize(params: InitializeRequest['params']): Promise<InitializeResult>;
}
