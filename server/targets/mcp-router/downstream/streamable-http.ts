import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JSONRPCID } from 'json-rpc-2.0';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errors } from '../../../errors/index.js';
import { isRequest } from '../json-rpc.js';
import { classifyEra, type EraOf } from './era.js';
import { serveStateless } from './stateless-exchange.js';
import { acceptsJson, checkAccept, checkContentType, checkProtocolVersion } from './http-checks.js';
import { parseMessages, readBodyText, requestId } from './parse-message.js';
import { callerAddress, clientIdentity } from './session-caps.js';
import { StreamableSessionTransport, responseOver } from './session-transport.js';
import { refusal, type McpExchangeContext, type McpTransportDeps } from './transport-deps.js';
import { holdSession, keeperFor, storeNewSession } from './session-holding.js';

/** Batches were added in 2025-03-26 and removed in 2025-06-18. */
const BATCH_VERSIONS = new Set(['2025-03-26']);

/** Streamable HTTP at `/mcp/<name>`: POST messages, GET the server stream, DELETE the session. */
export async function serveStreamableHttp(ctx: McpExchangeContext, deps: McpTransportDeps): Promise<void> {
  const { req, res } = ctx.http!;
  const method = ctx.request.method;
  if (method === 'POST') return post(ctx, deps);
  if (method !== 'GET' && method !== 'DELETE') {
    res.setHeader('allow', 'GET, POST, DELETE');
    throw new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_ALLOWED, [method]);
  }
  if (method === 'GET') fail(checkAccept(req, true));
  const found = await deps.findSession(ctx, 'streamable-http');
  if (!found.ok) throw found.error;
  const live = found.live;
  fail(checkProtocolVersion(req));
  touch(deps, live.session.id);
  if (method === 'GET') {
    await (live.transport as StreamableSessionTransport).handleGet(req, res);
    ctx.outcome.settled = responseOver(res);
    return;
  }
  await deps.router.closeSession(live.session.id, 'deleted');
  res.writeHead(200).end();
}

async function post(ctx: McpExchangeContext, deps: McpTransportDeps): Promise<void> {
  const { req } = ctx.http!;
  fail(checkContentType(req));
  const body = await readBodyText(ctx.http!, deps.options.maxBodyBytes);
  if (!body.ok) throw body.error;
  const parsed = parseMessages(body.text);
  if (!parsed.ok) throw refusal(ctx, parsed.error, parsed.id);
  // Every call in a batch runs (and counts against rate limits) on its own; the bound keeps one POST from starting thousands.
  if (parsed.batch && parsed.messages.length > deps.options.maxBatchSize) {
    throw new GatewayError(errors.GW_ERR_MCP_BATCH_TOO_LARGE, [deps.options.maxBatchSize, parsed.messages.length]);
  }
  const id = requestId(parsed.messages);
  const hasRequests = parsed.messages.some(isRequest);
  const acceptError = checkAccept(req, hasRequests);
  if (acceptError) throw refusal(ctx, acceptError, id);
  const era = eraOf(ctx, parsed, id);
  // A modern message is served statelessly even when it names a session: 2026-07-28 has none to use (or to mint).
  if (era.era === 'modern') return serveStateless(ctx, deps, era.modern);
  if (req.headers['mcp-session-id'] === undefined) return initialize(ctx, deps, parsed);
  const found = await deps.findSession(ctx, 'streamable-http');
  if (!found.ok) throw refusal(ctx, found.error, id);
  const live = found.live;
  const versionError = checkProtocolVersion(req);
  if (versionError) throw refusal(ctx, versionError, id);
  if (parsed.batch && !BATCH_VERSIONS.has(live.session.protocolVersion)) {
    throw new GatewayError(errors.GW_ERR_MCP_INVALID_REQUEST, [`batches are not allowed in protocol version ${live.session.protocolVersion}`]);
  }
  if (parsed.messages.some((m) => isRequest(m) && m.method === 'initialize')) {
    throw new GatewayError(errors.GW_ERR_MCP_INVALID_REQUEST, ['the session is already initialized']);
  }
  noteCallers(live.session, parsed.messages, callerAddress(ctx.request));
  touch(deps, live.session.id);
  const transport = live.transport as StreamableSessionTransport;
  await transport.handlePost(ctx.http!, parsed.messages, { acceptsJson: acceptsJson(req), protocolVersion: requestVersion(req, live.session.protocolVersion) });
}

/** A POST without a session: only a lone initialize request may open one (no session is made otherwise). */
async function initialize(ctx: McpExchangeContext, deps: McpTransportDeps, parsed: { messages: JSONRPCMessage[]; batch: boolean }): Promise<void> {
  const { req } = ctx.http!;
  const { messages, batch } = parsed;
  const init = messages[0];
  if (batch || messages.length !== 1 || !init || !isInitializeRequest(init)) {
    throw refusal(ctx, new GatewayError(errors.GW_ERR_MCP_SESSION_REQUIRED), requestId(messages));
  }
  const client = clientIdentity(ctx.consumer?.name, callerAddress(ctx.request));
  const capped = deps.caps.admit(client);
  if (capped) throw refusal(ctx, capped, requestId(messages));
  const id = randomBytes(24).toString('base64url'); // 192 bits from the CSPRNG; visible ASCII as the spec asks
  deps.caps.hold(id, client);
  const server = ctx.mcp!.server;
  const keeper = keeperFor(deps.store, id, deps.router.services.log);
  const session = deps.router.open({ id, config: server, consumer: ctx.consumer, remoteAddress: callerAddress(ctx.request), authorization: ctx.request.headers.authorization, keeper });
  const transport = new StreamableSessionTransport(id, deps.store, deps.keepAlive);
  // Set before connect: the SDK server chains its own onclose after ours.
  transport.onclose = () => void deps.router.closeSession(id, 'closed');
  const now = Date.now();
  try {
    await storeNewSession(deps.holding, session, { id, server: server.name, consumer: ctx.consumer?.name ?? null, transport: 'streamable-http', createdAt: now, lastSeenAt: now });
  } catch (err) {
    throw refusal(ctx, err as GatewayError, requestId(messages));
  }
  const live = { session, transport, kind: 'streamable-http' as const };
  deps.router.add(live);
  await session.connect(transport);
  await holdSession(live, deps.holding);
  session.noteCaller((init as { id: string | number }).id, callerAddress(ctx.request));
  const version = (init.params as { protocolVersion: string }).protocolVersion;
  await transport.handlePost(ctx.http!, [init], { acceptsJson: acceptsJson(req), protocolVersion: version });
}

/** The era of a POST (era.ts); its refusal carries the request's id. */
function eraOf(ctx: McpExchangeContext, parsed: { messages: JSONRPCMessage[]; batch: boolean }, id: JSONRPCID): EraOf {
  try {
    return classifyEra(ctx.http!.req.headers, parsed);
  } catch (err) {
    throw refusal(ctx, err as GatewayError, id);
  }
}

/** The revision a request speaks: its `MCP-Protocol-Version`, else the session's. */
function requestVersion(req: IncomingMessage, negotiated: string): string {
  const header = req.headers['mcp-protocol-version'];
  return typeof header === 'string' ? header : negotiated;
}

function noteCallers(session: { noteCaller(id: string | number, address: string): void }, messages: JSONRPCMessage[], address: string): void {
  for (const m of messages) if (isRequest(m)) session.noteCaller(m.id, address);
}

/** Marks the session as used, without waiting: a store that is slow or down holds up no request of a session held here. */
function touch(deps: McpTransportDeps, id: string): void {
  void deps.store.touch(id).catch((err: unknown) => deps.router.services.log.debug({ session: id, err }, 'mcp session not touched in the store'));
}

function fail(err: GatewayError | undefined): void {
  if (err) throw err;
}
