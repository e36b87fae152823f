import { CallToolRequestSchema, type CallToolRequest, type CallToolResult, type JSONRPCRequest, type McpError, type Progress, type RequestInfo } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_IP_META_KEY, PASSTHROUGH_AUTH_META_KEY } from '../../../servers/index.js';
import { parseClientIp } from '../../../servers/shared/client-ip.js';
import { errorResponse, isObject } from './json-rpc.js';
import { JsonRpcCode, invalidParams, protocolError } from './mcp-errors.js';
import { passthroughHeaders } from './passthrough.js';
import { askConsent, consentLost, keepsUserTokens } from './consent.js';
import { admitMember, admitToolCall, memberAdmits, openAdmitted, refusalOutcome } from './member-policy.js';
import { relayRequest } from './relay-request.js';
import { withMemberRetry } from './member-retry.js';
import type { McpSession } from './session-view.js';
import { ToolCall } from './tool-call-state.js';
import type { UpstreamCall } from './upstream-calls.js';

type Params = CallToolRequest['params'];
type Outcome = 'ok' | 'tool_error' | 'error' | 'denied' | 'rate_limited' | 'cancelled';

/**
 * Serves a downstream tools/call: its params are checked (-32602 naming the field), the call is relayed, and
 * its answer (the result, or a JSON-RPC error with the request's id) goes to `session.answer`; a cancelled call gets none.
 * tools/call is the router's hot path, so it bypasses the session's SDK server (see RouterSession.receive).
 */
export function serveToolCall(session: McpSession, request: JSONRPCRequest, info: RequestInfo | undefined): void {
  const params = toolCallParams(request);
  if (params instanceof Error) return session.answer(errorResponse(request.id, params));
  const call = new ToolCall(request.id, params, { headers: info?.headers, url: info?.url, downstream: session.callContext(request.id) });
  session.calls.set(request.id, call);
  callTool(session, call).then(
    (result) => call.cancelled === undefined && session.answer({ jsonrpc: '2.0', id: request.id, result }),
    (err: unknown) => call.cancelled === undefined && session.answer(errorResponse(request.id, err)),
  ).finally(() => session.calls.delete(request.id));
}

/**
 * tools/call at an endpoint: resolve the exposed name, apply the allow lists and rate limits, relay the call
 * (progress and cancellation included) and record it. Protocol and policy failures are JSON-RPC errors; a
 * tool that ran and failed comes back as the backend's `isError` result.
 */
async function callTool(session: McpSession, call: ToolCall): Promise<CallToolResult> {
  const started = process.hrtime.bigint();
  const { services, config, consumer } = session;
  const { params } = call;
  let outcome: Outcome = 'error';
  let member = '';
  let errorCode: string | undefined;
  try {
    await openAdmitted(session);
    const route = session.index.router.match(params.name);
    const entry = route?.tool ? route : await unlisted(session, params.name, { member: route?.member, call });
    member = entry.member;
    const caller = session.callerOf(call.id);
    // The endpoint's policy, then the member's whatever endpoint the call came through: consumer, tool, limits.
    await admitToolCall(session, entry, caller).catch((err: unknown) => {
      outcome = refusalOutcome(err) ?? outcome;
      throw err;
    });
    // After the policy: a call the consumer may not make never asks for consent.
    await askConsent(session, member, call.headers);
    const result = await relayCall(session, { member, params: { ...params, name: entry.tool.name }, caller }, call);
    outcome = result.isError === true ? 'tool_error' : 'ok';
    return result;
  } catch (err) {
    errorCode = ((err as McpError).data as { code?: string } | undefined)?.code;
    // A member's consumer list can refuse before the chain runs (its tools are not indexed for this consumer).
    if (outcome === 'error' && refusalOutcome(err) === 'denied' && errorCode !== 'GW_ERR_MCP_UNKNOWN_TOOL') outcome = 'denied';
    if (call.cancelled !== undefined) outcome = 'cancelled';
    throw err;
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const labels = { server: config.name, tool: params.name };
    services.metrics.toolCalls.inc({ ...labels, consumer: consumer?.name ?? '', outcome });
    services.metrics.toolCallDuration.observe(labels, seconds);
    services.log.info(
      { server: config.name, member: member || undefined, tool: params.name, consumer: consumer?.name, session: session.id, outcome, code: errorCode, durationMs: Math.round(seconds * 1e6) / 1e3 },
      'mcp tool call',
    );
  }
}

/**
 * Why exposed tool `name` is not in the index: its member (the one the tool router found by prefix) refuses the
 * consumer (the member's auth refusal; its upstream session is not opened for them), its member is down (tools
 * withdrawn: said so rather than that the tool does not exist), or there is no such tool.
 */
async function unlisted(session: McpSession, name: string, at: { member: string | undefined; call: ToolCall }) {
  const { member, call } = at;
  const link = member === undefined ? undefined : session.links.find((l) => l.name === member);
  if (link && !memberAdmits(session, link.name)) await admitMember(session, link.name);
  if (link && link.state !== 'ready' && keepsUserTokens(session, link.name)) {
    // A member waiting for this user's consent (token vault) asks for it, or comes back now that it was given.
    await askConsent(session, link.name, call.headers);
    await link.refresh();
    const route = session.index.router.match(name);
    if (route?.tool) return route;
  }
  if (link && link.state !== 'ready') throw link.tokenFailure ?? protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_UNAVAILABLE', [link.name]);
  throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_UNKNOWN_TOOL', [name]);
}

/** Sends the call to the member's upstream session and waits for its answer, mapping progress back to the client's token. */
async function relayCall(session: McpSession, target: { member: string; params: Params; caller: string }, call: ToolCall): Promise<CallToolResult> {
  const { member: memberName, params, caller } = target;
  const upstream = session.links.find((l) => l.name === memberName)?.calls;
  const progressToken = params._meta?.progressToken;
  const onprogress =
    progressToken === undefined
      ? undefined
      : (p: Progress) => void call.downstream.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } }).catch(() => {});
  const passthrough = passthroughHeaders(call, session.services.pool.get(memberName)?.backend.passthroughHeaders);
  const meta = upstreamMeta(params._meta, caller, passthrough);
  const timeoutMs = session.services.toolTimeoutMs;
  const options = {
    member: memberName,
    method: 'tools/call',
    params: withMemberRetry(session.memberRetries, { id: call.id, member: memberName }, { ...params, _meta: meta }),
    downstream: call.downstream,
    timeoutMs,
    onprogress,
    onSent: (sent: UpstreamCall) => call.relayedAs(sent),
  };
  return toolResult(await relayRequest(upstream, options).catch(consentLost(session, memberName, call.headers)), memberName);
}

/**
 * The upstream's result, handed on as it came (the end client validates content blocks and structured output
 * against the tool's schemas); only its shape is checked, so a client is never handed a result that is not one.
 */
function toolResult(result: unknown, memberName: string): CallToolResult {
  if (!isObject(result) || (result.content !== undefined && !Array.isArray(result.content))) {
    throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_FAILED', [`${memberName} (its tools/call result is not a CallToolResult)`]);
  }
  return result as CallToolResult;
}

/**
 * tools/call params, checked. The usual shape is recognised by hand (zod parses and copies every message); anything
 * else goes through the SDK's schema, which names what is wrong.
 */
function toolCallParams(request: JSONRPCRequest): Params | McpError {
  const p = request.params as Record<string, unknown> | undefined;
  const meta = p?._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  const usual =
    p !== undefined &&
    typeof p.name === 'string' &&
    (p.arguments === undefined || isObject(p.arguments)) &&
    (meta === undefined || (isObject(meta) && (token === undefined || typeof token === 'string' || typeof token === 'number'))) &&
    p.task === undefined;
  if (usual) return p as Params;
  const parsed = CallToolRequestSchema.safeParse(request);
  return parsed.success ? parsed.data.params : invalidParams(request.method, parsed.error);
}

/**
 * The `_meta` sent upstream: the client's progress token is dropped (the relay asks for progress under the
 * call's own upstream id and maps it back), any client-supplied caller IP or passthrough credential is replaced by
 * what the gateway verified: the socket address, and the client headers the member is configured to receive.
 */
function upstreamMeta(meta: Record<string, unknown> | undefined, remoteAddress: string, passthrough: Record<string, string> | undefined): Record<string, unknown> {
  const { progressToken: _token, [CLIENT_IP_META_KEY]: _spoofedIp, [PASSTHROUGH_AUTH_META_KEY]: _spoofedAuth, ...rest } = meta ?? {};
  const ip = parseClientIp(remoteAddress);
  return { ...rest, ...(ip !== undefined && { [CLIENT_IP_META_KEY]: ip }), ...(passthrough && { [PASSTHROUGH_AUTH_META_KEY]: passthrough }) };
}
