// A bundle is only a name map: a message it routes to member X meets X's own compiled policy, on top of the
// bundle's (design.md §9). This module is the single place every request to a member passes through: tools/call
// (admitToolCall), resources, prompts and completions (admitMember), and the lists (toolVisible, memberAdmits).
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { gatewayError, isGatewayError } from '../../errors/index.js';
import type { RateDecision } from '../../rate-limit/index.js';
import { JsonRpcCode, refusalOf } from './mcp-errors.js';
import { exposedName, namingRule } from './naming.js';
import { consumerAllowed, toolAllowed, type McpMessage, type McpMessageContext, type McpPolicy, type McpPolicyChain } from './policy.js';
import type { McpSession } from './session-view.js';
import type { IndexedTool } from './tool-index.js';

// The policy chains decide from the consumer and the message alone; nothing aborts them.
const NEVER_ABORTED = new AbortController().signal;
// How a server names its tools at its own endpoint (/mcp/<member>): what its allow lists are written against.
const OWN_ENDPOINT = namingRule('never', '___', 1);

/** The policy of `member` as reached from this session's endpoint: the endpoint's own, or a bundle member's. */
function memberPolicy(session: McpSession, member: string): McpPolicy | undefined {
  const bundle = session.config.bundle;
  return bundle ? bundle.policies.get(member) : session.config.policy;
}

/** The name `tool` has at its member's own endpoint. */
function ownName(tool: IndexedTool): string {
  return exposedName(tool.member, tool.tool.name, OWN_ENDPOINT);
}

/** Whether the session's consumer may use `member` at all (lists leave out the members it may not). */
export function memberAdmits(session: McpSession, member: string): boolean {
  const policy = memberPolicy(session, member);
  return policy !== undefined && consumerAllowed(policy, session.consumer);
}

/** Whether the session's consumer sees `tool` in tools/list: the same checks tools/call makes, minus rate limits. */
export function toolVisible(session: McpSession, tool: IndexedTool): boolean {
  const { config, consumer } = session;
  if (!toolAllowed(config.policy, tool.exposed, consumer)) return false;
  if (!config.bundle) return true;
  const policy = config.bundle.policies.get(tool.member);
  return policy !== undefined && consumerAllowed(policy, consumer) && toolAllowed(policy, ownName(tool), consumer);
}

/**
 * Opens the upstream sessions of the members the session's consumer may use, so the tool index is complete for
 * them; a member it may not use is never opened for it (no upstream session, process or notification on its behalf).
 */
export async function openAdmitted(session: McpSession): Promise<void> {
  const pending = session.links.filter((l) => (l.state === 'idle' || l.state === 'connecting') && memberAdmits(session, l.name));
  if (pending.length > 0) await Promise.all(pending.map((l) => l.open()));
}

/**
 * Runs the tools/call chain of the endpoint and, through a bundle, of the member that owns the tool. A refusal is
 * thrown as the JSON-RPC error the client gets (see `policyRefusal`).
 */
export async function admitToolCall(session: McpSession, tool: IndexedTool, caller: string): Promise<void> {
  const calledAs = tool.exposed;
  await runAs(session.config.policy.callTool, messageContext(session, { server: session.config.name, tool: calledAs, calledAs }, caller));
  if (!session.config.bundle) return;
  await runAs(memberPolicy(session, tool.member)?.callTool, messageContext(session, { server: tool.member, tool: ownName(tool), calledAs }, caller));
}

/** Runs the admission chain (consumer lists) of the endpoint and of `member` for a resource, prompt or completion request. */
export async function admitMember(session: McpSession, member: string): Promise<void> {
  // No step of the admission chain reads the caller's address.
  await runAs(session.config.policy.admit, messageContext(session, { server: session.config.name }, ''));
  if (session.config.bundle) await runAs(memberPolicy(session, member)?.admit, messageContext(session, { server: member }, ''));
}

/** Runs `chain` on the message context `ctx`; a refusal is thrown as the JSON-RPC error of `policyRefusal`. */
async function runAs(chain: McpPolicyChain | undefined, ctx: McpMessageContext): Promise<void> {
  const server = ctx.mcpMessage.server;
  try {
    // A member the snapshot has no policy for (removed, disabled) is not served.
    if (!chain) throw gatewayError('GW_ERR_MCP_BACKEND_UNAVAILABLE', server);
    await chain(ctx);
  } catch (err) {
    throw policyRefusal(err, server);
  }
}

function messageContext(session: McpSession, message: McpMessage, caller: string): McpMessageContext {
  return {
    requestId: session.id,
    kind: 'mcp',
    startedAt: process.hrtime.bigint(),
    signal: NEVER_ABORTED,
    log: session.services.log,
    request: { method: 'POST', path: `/mcp/${session.config.name}`, query: '', host: '', headers: {}, remoteAddress: caller, protocol: 'http' },
    consumer: session.consumer,
    outcome: {},
    mcpMessage: message,
  };
}

/**
 * The JSON-RPC error for a policy refusal, with the request's id (the caller answers with it) and the catalogue
 * code in `data`: a hidden tool is -32602 like a missing one; auth and rate-limit refusals are -32000 naming the
 * server whose policy refused, the latter with the exact retry delay.
 */
export function policyRefusal(err: unknown, server: string): unknown {
  if (!isGatewayError(err)) return err;
  if (err.code === 'GW_ERR_MCP_UNKNOWN_TOOL') return refusalOf(JsonRpcCode.InvalidParams, err);
  const named = err.message.includes(server) ? err.message : `${err.message} (MCP server ${server})`;
  const data: Record<string, unknown> = { server };
  const decision = err.cause as RateDecision | undefined;
  // The quota store did not answer and the limit fails closed: say so, so a client can tell it from a quota spent.
  if (err.code === 'GW_ERR_QUOTA_STORE_UNAVAILABLE') data.failMode = 'closed';
  if (err.code === 'GW_ERR_RATE_LIMITED' && decision) {
    data.retryAfterMs = decision.retryAfterMs;
    data.retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  }
  const code = err.code === 'GW_ERR_MCP_BACKEND_UNAVAILABLE' ? JsonRpcCode.InternalError : JsonRpcCode.ServerError;
  return refusalOf(code, err, { data, message: named });
}

/** The tool-call outcome a refusal is counted as. */
export function refusalOutcome(err: unknown): 'denied' | 'rate_limited' | undefined {
  const code = ((err as McpError | undefined)?.data as { code?: string } | undefined)?.code;
  if (code === 'GW_ERR_RATE_LIMITED') return 'rate_limited';
  return code === 'GW_ERR_MCP_UNKNOWN_TOOL' || code === 'GW_ERR_AUTH_MISSING' || code === 'GW_ERR_AUTH_FORBIDDEN' ? 'denied' : undefined;
}
