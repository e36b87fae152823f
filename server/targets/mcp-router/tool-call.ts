import { CallToolResultSchema, ErrorCode, McpError, type CallToolRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_IP_META_KEY, PASSTHROUGH_AUTH_META_KEY } from '../../../servers/index.js';
import { parseClientIp } from '../../../servers/shared/client-ip.js';
import { passthroughHeaders } from './passthrough.js';
import { JsonRpcCode, asSentUpstream, protocolError } from './mcp-errors.js';
import { toolAllowed } from './policy.js';
import { onBehalfOf, type DownstreamExtra } from './relay.js';
import type { RouterSession } from './router-session.js';

type Outcome = 'ok' | 'tool_error' | 'error' | 'denied' | 'rate_limited' | 'cancelled';

/**
 * tools/call at an endpoint: resolve the exposed name, apply the allow lists and rate limits, relay the call
 * (progress and cancellation included) and record it. Protocol and policy failures are JSON-RPC errors; a
 * tool that ran and failed comes back as the backend's `isError` result.
 */
export async function callTool(session: RouterSession, params: CallToolRequest['params'], extra: DownstreamExtra): Promise<CallToolResult> {
  const started = process.hrtime.bigint();
  const { services, config, consumer } = session;
  let outcome: Outcome = 'error';
  let member = '';
  let errorCode: string | undefined;
  try {
    await session.openAll();
    const entry = session.index.byName.get(params.name);
    // A hidden tool answers exactly like a missing one, so allow lists do not reveal what exists.
    if (!entry || !toolAllowed(config.policy, params.name, consumer)) {
      outcome = entry ? 'denied' : 'error';
      throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_UNKNOWN_TOOL', [params.name]);
    }
    member = entry.member;
    const rate = services.limiter.take(config.name, params.name, consumer?.name, config.policy);
    if (!rate.ok) {
      outcome = 'rate_limited';
      const retryAfterSeconds = Math.ceil(rate.retryAfterMs / 1000);
      throw protocolError(JsonRpcCode.ServerError, 'GW_ERR_RATE_LIMITED', [`${params.name} (${rate.limit})`], {
        retryAfterMs: rate.retryAfterMs,
        retryAfterSeconds,
      });
    }
    const result = await relayCall(session, entry.member, { ...params, name: entry.tool.name }, extra);
    outcome = result.isError ? 'tool_error' : 'ok';
    return result;
  } catch (err) {
    if (extra.signal.aborted) outcome = 'cancelled';
    errorCode = ((err as McpError).data as { code?: string } | undefined)?.code;
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

async function relayCall(session: RouterSession, memberName: string, params: CallToolRequest['params'], extra: DownstreamExtra): Promise<CallToolResult> {
  const link = session.links.find((l) => l.name === memberName);
  const client = link?.client;
  if (!link || !client) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_UNAVAILABLE', [memberName]);
  const progressToken = extra._meta?.progressToken;
  const passthrough = passthroughHeaders(extra.requestInfo?.headers, session.services.pool.get(memberName)?.backend.passthroughHeaders);
  const meta = upstreamMeta(params._meta, session.callerOf(extra.requestId), passthrough);
  const request = { method: 'tools/call' as const, params: { ...params, _meta: meta } };
  const timeout = session.services.toolTimeoutMs;
  try {
    const result = await onBehalfOf(extra, () =>
      client.request(request, CallToolResultSchema, {
        signal: extra.signal,
        timeout,
        resetTimeoutOnProgress: true,
        onprogress:
          progressToken === undefined
            ? undefined
            : (p) => void extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } }).catch(() => {}),
      }),
    );
    return result;
  } catch (err) {
    if (extra.signal.aborted || !(err instanceof McpError)) throw err;
    if (err.code === ErrorCode.RequestTimeout) {
      throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_TIMEOUT', [memberName, timeout]);
    }
    if (err.code === ErrorCode.ConnectionClosed && link.client !== client) {
      throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_FAILED', [memberName]);
    }
    throw asSentUpstream(err);
  }
}


/**
 * The `_meta` sent upstream: the client's progress token is dropped (the SDK client issues its own and maps
 * progress back), any client-supplied caller IP or passthrough credential is replaced by what the gateway
 * verified: the socket address, and the client headers the member is configured to receive.
 */
function upstreamMeta(meta: Record<string, unknown> | undefined, remoteAddress: string, passthrough: Record<string, string> | undefined): Record<string, unknown> {
  const { progressToken: _token, [CLIENT_IP_META_KEY]: _spoofedIp, [PASSTHROUGH_AUTH_META_KEY]: _spoofedAuth, ...rest } = meta ?? {};
  const ip = parseClientIp(remoteAddress);
  return { ...rest, ...(ip !== undefined && { [CLIENT_IP_META_KEY]: ip }), ...(passthrough && { [PASSTHROUGH_AUTH_META_KEY]: passthrough }) };
}
