import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { MemberRetry } from '../member-retry.js';
import { INPUT_FROM_META } from '../modern-protocol.js';
import type { Continuation, MemberClaims, RequestStates, StateScope } from './request-state.js';
import { targetOf } from './request-state.js';

// A 2026-07-28 member's own input_required, for a 2026-07-28 client (mrtr.mdx): passed through as the member wrote
// it (its inputRequests, keys and params untouched), but for its requestState, which goes inside agate's own
// sealed one (request-state.ts MemberClaims) with the consumer, server, member, method, target and expiry it is
// good for. Nothing is held between the rounds: the client's retry, on any replica, is served as a new request
// (the same policy, limits and naming as a first one) that carries the client's inputResponses and the member's
// requestState back to that member (member-retry.ts).

/** How a member's input_required is sealed for the client that asked. */
export interface MemberInputSealing {
  readonly states: RequestStates;
  readonly scope: StateScope;
  /** How long the client has to retry, ms. */
  readonly ttlMs: number;
}

/**
 * The client's form of member `member`'s input_required `result` to `request`: agate's marker taken out of its
 * `_meta`, its requestState (if any) sealed inside agate's. Throws the catalogue refusal when the member's state is
 * too long to wrap.
 */
export function memberInputForClient(result: Record<string, unknown>, at: { member: string; request: JSONRPCRequest }, sealing: MemberInputSealing): Record<string, unknown> {
  const { [INPUT_FROM_META]: _marker, ...meta } = result._meta as Record<string, unknown>;
  const { requestState, _meta: _all, ...rest } = result;
  const issued = Date.now();
  const claims: Omit<MemberClaims, 'kind'> = {
    member: at.member,
    ...(typeof requestState === 'string' && { state: requestState }),
    method: at.request.method,
    target: targetOf(at.request),
    issued,
    expires: issued + sealing.ttlMs,
  };
  const sealed = sealing.states.issueForMember(sealing.scope, claims);
  return { ...rest, ...(Object.keys(meta).length > 0 && { _meta: meta }), requestState: sealed };
}

/** What the retry of a member's input_required carries back to it: the client's answers and the member's state. */
export function memberRetryOf(claims: MemberClaims, continuation: Continuation): MemberRetry {
  return {
    member: claims.member,
    ...(continuation.inputResponses !== undefined && { inputResponses: continuation.inputResponses }),
    ...(claims.state !== undefined && { requestState: claims.state }),
  };
}
