import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, JSONRPCMessage, JSONRPCRequest, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { formatSseEvent } from '../../../sse/index.js';
import { capabilityKey } from '../client-capabilities.js';
import { consentMessage } from '../consent.js';
import { isNotification, isObject, isRequest, isResponse } from '../json-rpc.js';
import { JsonRpcCode } from '../mcp-errors.js';
import { openAdmitted, toolVisible } from '../member-policy.js';
import { cacheScopeOf, discoverResult, modernResult, type ModernStamp } from '../modern-results.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type RouterSession } from '../router-session.js';
import type { CompiledMcpServer } from '../types.js';
import type { ModernMessage } from './era.js';
import { checkParamHeaders, paramHeadersOf } from './param-headers.js';
import { callerAddress } from './session-caps.js';
import { responseOver } from './session-transport.js';
import { refusal, type McpExchangeContext, type McpTransportDeps } from './transport-deps.js';

/** The methods a 2026-07-28 request may name here; the rest of that revision (subscriptions/listen) is not served yet. */
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
 * Server→client requests have no 2026 path until agate bridges them into `input_required` results (MRTR), so
 * members are not told the client could answer them: what a member cannot ask is never silently dropped.
 */
const UNBRIDGED: ReadonlySet<string> = new Set(['sampling', 'elicitation', 'roots']);

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };

/**
 * Serves one 2026-07-28 message statelessly. A request gets a router session of its own, never registered: the
 * same handlers, naming and per-member policy chains as a 2025 session, so a modern request meets exactly the
 * policy a 2025 one does. The client's capabilities and identity come from the request's `_meta`. A named
 * consumer's session is kept a short while for that consumer's next request with the same capabilities
 * (stateless-pool.ts): its member sessions are reused, never anyone else's.
 */
export async function serveStateless(ctx: McpExchangeContext, deps: McpTransportDeps, modern: ModernMessage): Promise<void> {
  const { res } = ctx.http!;
  const message = modern.message;
  if (!isRequest(message)) {
    // Notifications have nothing to reach: a stateless request is cancelled by closing its stream (cancellation.mdx).
    res.writeHead(202).end();
    return;
  }
  if (!MODERN_METHODS.has(message.method)) throw refusal(ctx, new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_FOUND, [message.method, modern.version]), message.id);
  const server = ctx.mcp!.server;
  const key = poolKey(ctx, modern);
  const authorization = ctx.request.headers.authorization;
  const kept = reuse(deps, key, server);
  kept?.noteAuthorization(authorization);
  const session = kept ?? deps.router.open({ id: `stateless:${randomUUID()}`, config: server, consumer: ctx.consumer, remoteAddress: callerAddress(ctx.request), authorization });
  ctx.outcome.settled = responseOver(res);
  let answered = false;
  try {
    session.logLevel = modern.logLevel;
    const init = await session.initialize({
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS[0]!,
      capabilities: upstreamCapabilities(modern.clientCapabilities),
      clientInfo: modern.clientInfo ?? { name: 'unnamed-2026-client', version: '0' },
    });
    const stamp: ModernStamp = { serverInfo: init.serverInfo, scope: cacheScopeOf(server, (name) => deps.router.server(name)) };
    if (message.method === 'server/discover') {
      writeJson(res, { jsonrpc: '2.0', id: message.id, result: discoverResult(init, stamp) });
      answered = true;
      return;
    }
    if (message.method === 'tools/call') await checkToolParamHeaders(ctx, session, message);
    // The caller is this request's, not whoever's request opened a kept session (tools see the client IP).
    session.noteCaller(message.id, callerAddress(ctx.request));
    answered = await relayOne(ctx, session, { request: withoutEnvelope(message), modern, stamp });
  } finally {
    await release(deps, key, { session, answered });
  }
}

/**
 * What a kept session is kept for: the server, the consumer and its groups, the capabilities declared upstream and
 * the log level. Anonymous requests get none (they cannot be told apart).
 */
function poolKey(ctx: McpExchangeContext, modern: ModernMessage): string | undefined {
  const consumer = ctx.consumer;
  if (!consumer) return undefined;
  const caps = capabilityKey(upstreamCapabilities(modern.clientCapabilities));
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
  // Detaches the request's transport; the member sessions stay open for the next request.
  await session.server.close().catch(() => {});
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

/** The client's declared capabilities as the router declares them upstream (see UNBRIDGED). */
function upstreamCapabilities(caps: ClientCapabilities): ClientCapabilities {
  return Object.fromEntries(Object.entries(caps).filter(([k]) => !UNBRIDGED.has(k))) as ClientCapabilities;
}

/** The request as members see it: the 2026 envelope keys are this hop's, not theirs (they speak 2025). */
function withoutEnvelope(request: JSONRPCRequest): JSONRPCRequest {
  const params = request.params as Record<string, unknown> | undefined;
  if (!params || !isObject(params._meta)) return request;
  const meta = Object.fromEntries(Object.entries(params._meta).filter(([k]) => !k.startsWith('io.modelcontextprotocol/')));
  const rest = { ...params };
  if (Object.keys(meta).length === 0) delete rest._meta;
  else rest._meta = meta;
  return { ...request, params: rest };
}

/** One request through the session: notifications it causes stream first (SSE), then its answer; a closed stream cancels it. */
function relayOne(ctx: McpExchangeContext, session: RouterSession, one: { request: JSONRPCRequest; modern: ModernMessage; stamp: ModernStamp }): Promise<boolean> {
  const { req, res } = ctx.http!;
  const { request, modern, stamp } = one;
  return new Promise<boolean>((resolve) => {
    let streaming = false;
    let done = false;
    const transport = new StatelessTransport((m) => {
      if (done) return;
      if (isResponse(m)) {
        if (m.id !== request.id) return;
        done = true;
        const result = 'result' in m ? (m.result as Record<string, unknown>) : consentInputRequired(request, m.error, modern);
        const answer = result ? { jsonrpc: m.jsonrpc, id: m.id, result: modernResult(request.method, result, stamp) } : m;
        if (streaming) res.end(formatSseEvent({ event: 'message', data: JSON.stringify(answer) }));
        else writeJson(res, answer);
        resolve(true);
      } else if (isRequest(m)) {
        // A member asked the client something (it should not have: see UNBRIDGED); it gets an error, not silence.
        const error = { code: JsonRpcCode.MethodNotFound, message: `${m.method} cannot reach a 2026-07-28 client through agate yet` };
        queueMicrotask(() => transport.deliver({ jsonrpc: '2.0', id: m.id, error }));
      } else if (isNotification(m) && relates(m, modern)) {
        if (!streaming) res.writeHead(200, SSE_HEADERS);
        streaming = true;
        res.write(formatSseEvent({ event: 'message', data: JSON.stringify(m) }));
      }
    });
    res.once('close', () => {
      if (done) return;
      done = true;
      // Closing the stream is the cancellation of its request (2026-07-28 streamable-http.mdx §Cancellation).
      transport.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: request.id, reason: 'the client closed the stream' } });
      resolve(false);
    });
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers, url: new URL(req.url ?? '/', 'http://gateway.invalid') } };
    session.connect(transport).then(
      () => transport.deliver(request, extra),
      () => resolve(false),
    );
  });
}

/** The requests a server may answer with an input_required result (mrtr.mdx §Supported Requests). */
const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'resources/read', 'prompts/get']);

/**
 * A token vault's consent refusal (consent.ts) as a 2026-07-28 server asks: an input_required result whose one input
 * request is a URL-mode elicitation with agate's consent link (elicitation.mdx §URL Mode, mrtr.mdx), for clients
 * that declared URL elicitation. No requestState: the retry finds the user's token in the vault, or is asked again.
 */
function consentInputRequired(request: JSONRPCRequest, error: { data?: unknown }, modern: ModernMessage): Record<string, unknown> | undefined {
  const elicitation = modern.clientCapabilities.elicitation as { url?: unknown } | undefined;
  if (!INPUT_REQUIRED_METHODS.has(request.method) || elicitation?.url === undefined) return undefined;
  const data = error.data as { code?: unknown; server?: unknown; url?: unknown } | undefined;
  if (data?.code !== 'GW_ERR_UPSTREAM_CONSENT_REQUIRED' || typeof data.url !== 'string' || typeof data.server !== 'string') return undefined;
  const params = { mode: 'url', url: data.url, message: consentMessage(data.server) };
  return { resultType: 'input_required', inputRequests: { [`agate-consent:${data.server}`]: { method: 'elicitation/create', params } } };
}

/** Progress always (the client asked with its token); log messages only when the request set a level (logging.mdx). */
function relates(m: JSONRPCMessage, modern: ModernMessage): boolean {
  const method = (m as { method: string }).method;
  if (method === 'notifications/progress') return true;
  return method === 'notifications/message' && modern.logLevel !== undefined;
}

function writeJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The downstream end of a one-request session: what the session sends goes to `out`; `deliver` hands it a message. */
class StatelessTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(private readonly out: (message: JSONRPCMessage) => void) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    this.out(message);
  }

  deliver(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}
