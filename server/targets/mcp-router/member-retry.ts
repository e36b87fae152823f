import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { isObject } from './json-rpc.js';
import { JsonRpcCode, protocolError } from './mcp-errors.js';
import { INPUT_FROM_META } from './modern-protocol.js';

/**
 * A 2026-07-28 client's retry of a 2026 member's own `input_required` (downstream/member-input.ts): a new request,
 * served like any other, that carries back to the member what the spec says a retry carries (mrtr.mdx §Client
 * Requirements): the client's `inputResponses` as it sent them and the member's `requestState` as the member wrote it.
 */
export interface MemberRetry {
  /** The member that asked: the retry goes to it, never to another. */
  readonly member: string;
  /** The client's answers, verbatim; absent when it sent none. */
  readonly inputResponses?: Readonly<Record<string, unknown>>;
  /** The member's own requestState; absent when it sent none (the retry then carries none). */
  readonly requestState?: string;
}

/**
 * `params` as relayed to `member` for downstream request `id`: with the retry's `inputResponses` and the member's
 * `requestState` when `id` is such a retry (`retries`, the session's), else as they are. The request reaches the
 * member through the tool, URI or prompt the client named; if that now leads to another member (the config
 * changed between the rounds), it is refused: a member's state never goes to another.
 */
export function withMemberRetry(retries: ReadonlyMap<RequestId, MemberRetry>, to: { id: RequestId; member: string }, params: Record<string, unknown>): Record<string, unknown> {
  const retry = retries.get(to.id);
  if (!retry) return params;
  if (retry.member !== to.member) {
    throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_REQUEST_STATE_INVALID', [`was issued for MCP server ${retry.member}, and this request now reaches ${to.member}`]);
  }
  return {
    ...params,
    ...(retry.inputResponses !== undefined && { inputResponses: retry.inputResponses }),
    ...(retry.requestState !== undefined && { requestState: retry.requestState }),
  };
}

/**
 * The member whose own `input_required` `result` is, as passed on for a 2026 client (era/input-exchanges.ts marks
 * it); undefined for any other result.
 */
export function inputAskedBy(result: unknown): string | undefined {
  if (!isObject(result) || result.resultType !== 'input_required' || !isObject(result._meta)) return undefined;
  const member = result._meta[INPUT_FROM_META];
  return typeof member === 'string' ? member : undefined;
}
