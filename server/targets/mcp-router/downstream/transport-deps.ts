import type { JSONRPCID } from 'json-rpc-2.0';
import type { GatewayError } from '../../../errors/index.js';
import type { McpGatewayContext } from '../types.js';
import type { LiveSession, McpRouter, ResolvedMcpRouterOptions } from '../router.js';
import type { KeepAliveTicker } from './keep-alive.js';
import type { SessionCaps } from './session-caps.js';
import type { SessionStore } from './session-store.js';
import type { StatelessSessionPool } from './stateless-pool.js';
import type { PendingInputs } from './pending-inputs.js';
import type { RequestStates } from './request-state.js';
import type { ExchangeRelay } from './exchange-relay.js';
import type { HeldCall } from './stateless-call.js';
import type { SessionHolding } from './session-holding.js';
import type { ListenRegistry } from './listen-registry.js';

/** What the transport handlers share: the router, the session store and the listener settings. */
export interface McpTransportDeps {
  readonly router: McpRouter;
  readonly store: SessionStore;
  readonly options: ResolvedMcpRouterOptions;
  /** Keep-alive comment frames for every open SSE stream. */
  readonly keepAlive: KeepAliveTicker;
  /** Per-client and total session caps, checked before a session is opened. */
  readonly caps: SessionCaps;
  /** Sessions of finished 2026-07-28 requests, kept for the same identity's next one. */
  readonly stateless: StatelessSessionPool;
  /**
   * 2026-07-28 requests whose member asked the client something (MRTR): the parked calls, their sealed states, and
   * (with Redis) the relay that takes a retry to the replica holding its exchange.
   */
  readonly inputs: { readonly exchanges: PendingInputs<HeldCall>; readonly states: RequestStates; readonly relay?: ExchangeRelay };
  /** The open 2026-07-28 subscriptions/listen streams: their caps, and each by its client and id. */
  readonly listens: ListenRegistry;
  /** The sessions this replica holds a copy of, and how it listens to their other holders. */
  readonly holding: SessionHolding;
  /**
   * The live session named by the request (header or `sessionId` query), checked against the endpoint and
   * the consumer it is bound to. Fails with 400 when none is named and 404 when it is unknown, expired, ended or
   * another consumer's: the same 404, so nobody learns that someone else's session exists.
   */
  findSession(ctx: McpGatewayContext, kind: LiveSession['kind']): Promise<{ ok: true; live: LiveSession } | { ok: false; error: GatewayError }>;
}

/** An MCP exchange as the transports handle it. */
export type McpExchangeContext = McpGatewayContext & {
  /** The JSON-RPC id the ingress echoes when it renders this exchange's refusal; null (or absent) when none can be named. */
  replyId?: JSONRPCID;
};

/** `err`, to be rendered by the ingress with JSON-RPC id `id` (transports throw refusals, they never render them). */
export function refusal(ctx: McpExchangeContext, err: GatewayError, id: JSONRPCID): GatewayError {
  ctx.replyId = id;
  return err;
}
