import { onAllowList } from '../../filters/auth.js';
import type { ConsumerIdentity, GatewayContext } from '../../pipeline/index.js';

/** A compiled per-message chain: resolves when the message may go on, throws the catalogue refusal otherwise. */
export type McpPolicyChain = (ctx: McpMessageContext) => Promise<void>;

/**
 * Who may use a server and which of its tools; compiled from the registry, never from request headers. The same
 * policy applies to a message reaching the server as itself or as a bundle's member (design.md §9).
 */
export interface McpPolicy {
  /** Consumers (`name` or `group:<name>`) allowed at all; undefined: anyone, anonymous included. */
  readonly consumers?: readonly string[];
  /** An OAuth-protected server admits only holders of `issuer`'s tokens with all of `scopes`. */
  readonly oauth?: { readonly issuer: string; readonly scopes: readonly string[] };
  /** Exposed tool name → consumers allowed to list and call it. */
  readonly tools: Readonly<Record<string, readonly string[]>>;
  /** Only these exposed tools exist at this endpoint; undefined: all. */
  readonly allowTools?: ReadonlySet<string>;
  /** Any request to this server (resources, prompts, completions): its consumer list (the `auth` filter's allow list). */
  readonly admit: McpPolicyChain;
  /** tools/call: consumer list → tool allow lists → rate limits per consumer and per tool (the `rate-limit` filter). */
  readonly callTool: McpPolicyChain;
}

/** What the per-message chain knows of one message besides the consumer. */
export interface McpMessage {
  /** The server whose policy runs (the endpoint itself, or the member a bundle routes to). */
  readonly server: string;
  /** The tool as named at that server's own endpoint (tools/call). */
  readonly tool?: string;
  /** The tool as the client named it: refusals quote it, so they reveal nothing the client did not say. */
  readonly calledAs?: string;
}

/** The context the per-message chain runs on: the session's consumer and caller, and the message's target. */
export type McpMessageContext = GatewayContext & { mcpMessage: McpMessage };

/** Whether the server's policy lets `consumer` in at all. */
export function consumerAllowed(policy: Pick<McpPolicy, 'consumers' | 'oauth'>, consumer: ConsumerIdentity | undefined): boolean {
  if (policy.oauth && !holdsToken(policy.oauth, consumer)) return false;
  return policy.consumers === undefined || onAllowList(policy.consumers, consumer);
}

function holdsToken(required: NonNullable<McpPolicy['oauth']>, consumer: ConsumerIdentity | undefined): boolean {
  const held = consumer?.oauth;
  return held !== undefined && held.issuer === required.issuer && required.scopes.every((s) => held.scopes.includes(s));
}

/** Whether `consumer` may see and call the exposed tool `name` (same answer for tools/list and tools/call). */
export function toolAllowed(policy: Pick<McpPolicy, 'tools' | 'allowTools'>, name: string, consumer: ConsumerIdentity | undefined): boolean {
  if (policy.allowTools && !policy.allowTools.has(name)) return false;
  const list = policy.tools[name];
  return list === undefined || onAllowList(list, consumer);
}
