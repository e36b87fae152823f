import { randomUUID } from 'node:crypto';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { capabilityKey } from '../client-capabilities.js';
import { isObject, isRequest } from '../json-rpc.js';
import { openAdmitted, toolVisible } from '../member-policy.js';
import { LISTEN_METHOD } from '../modern-protocol.js';
import { discoverResult } from '../modern-results.js';
import type { RouterSession } from '../router-session.js';
import type { CompiledMcpServer } from '../types.js';
import type { ModernMessage } from './era.js';
import { checkParamHeaders, paramHeadersOf } from './param-headers.js';
import { continuationOf, targetOf, type Continuation, type ExchangeClaims, type StateClaims, type StateScope } from './request-state.js';
import { memberRetryOf, type MemberInputSealing } from './member-input.js';
import { callerAddress, clientIdentity } from './session-caps.js';
import { serveListen } from './serve-listen.js';
import { responseOver } from './session-transport.js';
import type { ForwardedRetry } from './exchange-relay.js';
import { detachServed, StatelessCall, type HeldCall, type Round, type RoundEnd, type RoundSink } from './stateless-call.js';
import { initializeForModern } from './modern-session.js';
import { refusal, type McpExchangeContext, type McpTransportDeps } from './transport-deps.js';

/** The methods a 2026-07-28 request may name here besides subscriptions/listen (serve-listen.ts). */
const MODERN_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'completion/complete',
]);

/**
 * Serves one 2026-07-28 message statelessly. A request gets a router session of its own, never registered: the
 * same handlers, naming and per-member policy chains as a 2025 session, so a modern request meets exactly the
 * policy a 2025 one does. The client's capabilities and identity come from the request's `_meta`. A named
 * consumer's session is kept a short while for that consumer's next request with the same capabilities
 * (stateless-pool.ts): its member sessions are reused, never anyone else's. A member that asks the client
 * something is answered through input_required rounds (MRTR, stateless-call.ts); a retry carrying `requestState`
 * continues its exchange here.
 */
export async function serveStateless(ctx: McpExchangeContext, deps: McpTransportDeps, modern: ModernMessage): Promise<void> {
  const { res } = ctx.http!;
  const message = modern.message;
  if (!isRequest(message)) {
    // A stateless request is cancelled by closing its stream (cancellation.mdx); a listen may also be by name.
    if (message.method === 'notifications/cancelled') cancelListen(ctx, deps, message.params);
    res.writeHead(202).end();
    return;
  }
  if (message.method === LISTEN_METHOD) return serveListen(ctx, deps, modern);
  if (!MODERN_METHODS.has(message.method)) throw refusal(ctx, new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_FOUND, [message.method, modern.version]), message.id);
  const continuation = checked(ctx, message);
  ctx.outcome.settled = responseOver(res);
  const claims = continuation.requestState === undefined ? undefined : openState(ctx, deps, { request: message, state: continuation.requestState });
  if (claims && claims.kind !== 'member') return continueExchange(ctx, deps, { modern, claims, responses: continuation.inputResponses ?? {} });
  const server = ctx.mcp!.server;
  const key = poolKey(ctx, modern);
  const authorization = ctx.request.headers.authorization;
  const kept = reuse(deps, key, server);
  kept?.noteAuthorization(authorization);
  const session = kept ?? deps.router.open({ id: `stateless:${randomUUID()}`, config: server, consumer: ctx.consumer, remoteAddress: callerAddress(ctx.request), authorization, modernClient: true });
  let end: RoundEnd = { kind: 'cancelled' };
  let held: HeldCall | undefined;
  try {
    session.logLevel = modern.logLevel;
    const { init, stamp } = await initializeForModern(session, modern, deps.router);
    if (message.method === 'server/discover') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: discoverResult(init, stamp) }));
      end = { kind: 'answered' };
      return;
    }
    if (message.method === 'tools/call') await checkToolParamHeaders(ctx, session, message);
    // The caller is this request's, not whoever's request opened a kept session (tools see the client IP).
    session.noteCaller(message.id, callerAddress(ctx.request));
    held = { call: new StatelessCall(upstreamForm(message), stamp, sealingOf(ctx, deps)), session, key, client: clientOf(ctx) };
    // The retry of a 2026 member's own input_required: a new request, served as any, that takes its continuation back.
    if (claims) session.memberRetries.set(message.id, memberRetryOf(claims, continuation));
    end = await held.call.start(session, { res, id: message.id, modern }, ctx.http!.req);
  } finally {
    session.memberRetries.delete(message.id);
    if (!held) await release(deps, key, { session, answered: end.kind === 'answered' });
  }
  try {
    await conclude(deps, { held, end, scope: scopeOf(ctx), request: message });
  } catch (err) {
    throw refusal(ctx, err as GatewayError, message.id);
  }
}

/** The caller's listen named by a `notifications/cancelled` ends; any other id is nothing to do here. */
function cancelListen(ctx: McpExchangeContext, deps: McpTransportDeps, params: unknown): void {
  const requestId = isObject(params) ? params.requestId : undefined;
  if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
  const client = clientIdentity(ctx.consumer?.name, callerAddress(ctx.request));
  deps.listens.cancel(deps.listens.key(ctx.mcp!.server.name, client, requestId));
}

/** The claims of a retry's `requestState`, checked for this consumer, server and request; else the refusal. */
function openState(ctx: McpExchangeContext, deps: McpTransportDeps, retry: { request: JSONRPCRequest; state: string }): StateClaims {
  const { request, state } = retry;
  try {
    return deps.inputs.states.open(scopeOf(ctx), state, request);
  } catch (err) {
    throw refusal(ctx, err as GatewayError, request.id);
  }
}

/** How a 2026 member's own input_required is sealed for this request's client (member-input.ts). */
function sealingOf(ctx: McpExchangeContext, deps: McpTransportDeps): MemberInputSealing {
  return { states: deps.inputs.states, scope: scopeOf(ctx), ttlMs: deps.inputs.exchanges.limits.ttlMs };
}

/**
 * A retry carrying an exchange's `requestState`: its exchange, taken here and answered with the client's responses,
 * and its next round; an exchange another replica holds is continued there (exchange-relay.ts), its answer written here.
 */
async function continueExchange(ctx: McpExchangeContext, deps: McpTransportDeps, retry: { modern: ModernMessage; claims: ExchangeClaims; responses: Continuation['inputResponses'] & object }): Promise<void> {
  const request = retry.modern.message as JSONRPCRequest;
  const { states } = deps.inputs;
  const { claims } = retry;
  const forwarded = { claims, scope: scopeOf(ctx), modern: retry.modern, responses: retry.responses };
  const { res } = ctx.http!;
  try {
    if (claims.replica !== states.replica && deps.inputs.relay) await deps.inputs.relay.forward(claims.replica, forwarded, res);
    else await continueHere(deps, forwarded, res);
  } catch (err) {
    throw refusal(ctx, err as GatewayError, request.id);
  }
}

/** A retry whose exchange this replica holds (or held): the member's questions answered, the round written on `sink`. */
export async function continueHere(deps: McpTransportDeps, retry: ForwardedRetry, sink: RoundSink): Promise<void> {
  const { exchanges, states } = deps.inputs;
  const { claims } = retry;
  const taken = exchanges.take(claims.exchange, claims.round, claims.expires);
  if (!taken.ok && taken.why === 'replayed') throw new GatewayError(errors.GW_ERR_MCP_REQUEST_STATE_REPLAYED, []);
  if (!taken.ok) {
    const where = claims.replica === states.replica ? 'it is no longer pending here' : 'it is held by another replica, or by this one before a restart, and no replica relay is configured (agate serve --redis); use sticky routing';
    throw new GatewayError(errors.GW_ERR_MCP_EXCHANGE_NOT_HERE, [where]);
  }
  const held = taken.value;
  const round: Round = { res: sink, id: (retry.modern.message as JSONRPCRequest).id, modern: retry.modern };
  const end = await held.call.resume(round, retry.responses);
  await conclude(deps, { held, end, scope: retry.scope, request: retry.modern.message as JSONRPCRequest });
}

/**
 * After a round: an answered request frees its session (kept for the consumer's next request), a cancelled one
 * closes it; a member's questions park the call and go to the client as input_required with a sealed requestState.
 * Throws the refusal when this replica holds too many exchanges to park one more.
 */
async function conclude(deps: McpTransportDeps, after: { held?: HeldCall; end: RoundEnd; scope: StateScope; request: JSONRPCRequest }): Promise<void> {
  const { held, end, request } = after;
  if (!held) return;
  const { exchanges, states } = deps.inputs;
  if (end.kind !== 'asked') {
    if (held.exchange !== undefined) exchanges.end(held.exchange);
    await release(deps, held.key, { session: held.session, answered: end.kind === 'answered' && held.call.settled });
    return;
  }
  try {
    held.exchange ??= exchanges.open(held.client);
  } catch (err) {
    held.call.cancel('agate holds too many requests waiting for input');
    await held.session.close();
    throw err;
  }
  const { round, issued, expires } = exchanges.park(held.exchange, held);
  const requestState = states.issue(after.scope, { exchange: held.exchange, round, method: request.method, target: targetOf(request), issued, expires });
  end.reply({ resultType: 'input_required', inputRequests: end.inputRequests, requestState });
}

/** The retry params checked for shape (a malformed one is refused naming the field). */
function checked(ctx: McpExchangeContext, request: JSONRPCRequest): Continuation {
  try {
    return continuationOf(request);
  } catch (err) {
    throw refusal(ctx, err as GatewayError, request.id);
  }
}

/** Who a requestState is sealed for. */
function scopeOf(ctx: McpExchangeContext): StateScope {
  return { server: ctx.mcp!.server.name, consumer: ctx.consumer?.name };
}

/** Who holds an exchange, for the per-client bound. */
function clientOf(ctx: McpExchangeContext): string {
  return ctx.consumer ? `consumer ${ctx.consumer.name}` : `client ${callerAddress(ctx.request)}`;
}

/**
 * What a kept session is kept for: the server, the consumer and its groups, the capabilities declared upstream and
 * the log level. Anonymous requests get none (they cannot be told apart).
 */
function poolKey(ctx: McpExchangeContext, modern: ModernMessage): string | undefined {
  const consumer = ctx.consumer;
  if (!consumer) return undefined;
  const caps = capabilityKey(modern.clientCapabilities);
  return JSON.stringify([ctx.mcp!.server.name, consumer.name, [...consumer.groups].sort(), caps, modern.logLevel ?? null]);
}

/** A kept session for `key`, if it was opened with this very compiled server (a reload makes new ones). */
function reuse(deps: McpTransportDeps, key: string | undefined, server: CompiledMcpServer): RouterSession | undefined {
  const kept = key === undefined ? undefined : deps.stateless.take(key);
  if (!kept || kept.config === server) return kept;
  void kept.close();
  return undefined;
}

/** After the answer: a session whose request was answered is kept for its key; one cancelled or anonymous is closed. */
async function release(deps: McpTransportDeps, key: string | undefined, done: { session: RouterSession; answered: boolean }): Promise<void> {
  const { session, answered } = done;
  if (key === undefined || !answered) return session.close();
  // The member sessions, and the session's connection to its stateless transport, stay open for the next request.
  await detachServed(session);
  deps.stateless.give(key, session);
}

/**
 * The `Mcp-Param-*` headers of a tools/call, against the called tool's `x-mcp-header` parameters (param-headers.ts).
 * A tool the consumer may not see is left to the call, which refuses it as unknown: its schema reveals nothing.
 */
async function checkToolParamHeaders(ctx: McpExchangeContext, session: RouterSession, request: JSONRPCRequest): Promise<void> {
  const params = request.params as { name?: unknown; arguments?: unknown } | undefined;
  if (typeof params?.name !== 'string') return;
  await openAdmitted(session);
  const entry = session.index.router.match(params.name);
  if (!entry?.tool || !toolVisible(session, entry)) return;
  const declared = paramHeadersOf(entry.tool.inputSchema);
  try {
    checkParamHeaders(ctx.http!.req.headers, declared, params.arguments);
  } catch (err) {
    throw refusal(ctx, err as GatewayError, request.id);
  }
}

/**
 * The request as members see it: the 2026 envelope keys and the MRTR continuation (`inputResponses`,
 * `requestState`) are this hop's, not theirs (they speak 2025).
 */
function upstreamForm(request: JSONRPCRequest): JSONRPCRequest {
  const params = request.params as Record<string, unknown> | undefined;
  if (!params) return request;
  const { inputResponses: _responses, requestState: _state, ...rest } = params;
  if (!isObject(params._meta)) return { ...request, params: rest };
  const meta = Object.fromEntries(Object.entries(params._meta).filter(([k]) => !k.startsWith('io.modelcontextprotocol/')));
  if (Object.keys(meta).length === 0) delete rest._meta;
  else rest._meta = meta;
  return { ...request, params: rest };
}

