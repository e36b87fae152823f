import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcCode, protocolError, upstreamError } from './mcp-errors.js';
import type { DownstreamCall } from './relay.js';
import { UpstreamCallTimeout, UpstreamConnectionClosed, type UpstreamCall, type UpstreamCalls } from './upstream-calls.js';

/** How one client request is relayed to a member (one object per request, built by its caller). */
export interface RelayOptions {
  /** The member's name, in the errors the client sees. */
  readonly member: string;
  /** The JSON-RPC method sent upstream. */
  readonly method: string;
  /** Its params, as sent upstream. */
  readonly params: Record<string, unknown>;
  /** The client request served: what the upstream sends on the call's stream goes to its stream. */
  readonly downstream: DownstreamCall;
  /** Deadline without an answer or progress, ms. */
  readonly timeoutMs: number;
  /** Asks the upstream for progress and receives each notification of it. */
  readonly onprogress?: (progress: Progress) => void;
  /** The client gave up: the upstream is told to stop. */
  readonly signal?: AbortSignal;
  /** Told the upstream request once it is sent (a caller that cancels it itself). */
  readonly onSent?: (sent: UpstreamCall) => void;
}

/**
 * Relays a client request to a member's upstream session (`calls`, absent while the member is down) and returns
 * the upstream's result as it sent it. What goes wrong is the JSON-RPC error the client sees: the upstream's own
 * error as it sent it, or a gateway error naming the member (down, timed out, connection lost).
 */
export async function relayRequest(calls: UpstreamCalls | undefined, options: RelayOptions): Promise<unknown> {
  const { member, method, params, downstream, timeoutMs, onprogress, signal } = options;
  if (!calls) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_UNAVAILABLE', [member]);
  const sent = calls.request(method, params, { timeoutMs, onprogress, downstream });
  options.onSent?.(sent);
  const onAbort = () => sent.cancel(String(signal?.reason ?? 'cancelled by the client'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await sent.response;
    if ('error' in response) throw upstreamError(response.error);
    return response.result;
  } catch (err) {
    if (err instanceof UpstreamCallTimeout) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_TIMEOUT', [member, timeoutMs]);
    if (err instanceof UpstreamConnectionClosed) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_FAILED', [member]);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
