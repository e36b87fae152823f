import { randomUUID } from 'node:crypto';
import { GatewayError, errors } from '../../../errors/index.js';
import { isRequest } from '../json-rpc.js';
import { checkAccept, checkContentType } from './http-checks.js';
import { parseMessages, readBodyText, requestId } from './parse-message.js';
import { callerAddress, clientIdentity } from './session-caps.js';
import { responseOver } from './session-transport.js';
import { refusal, type McpExchangeContext, type McpTransportDeps } from './transport-deps.js';
import { holdSession, keeperFor, storeNewSession } from './session-holding.js';
import { LegacySseTransport } from './legacy-sse-transport.js';

/**
 * The 2024-11-05 HTTP+SSE transport: GET `/mcp/<name>/sse` opens the session's only stream (first event:
 * `endpoint`, a relative URL with the GET's query and the session id); the client POSTs each message to
 * `/mcp/<name>/messages`, on this replica or (with `--redis`) any other (legacy-sse-transport.ts).
 */
export async function serveLegacySse(ctx: McpExchangeContext, deps: McpTransportDeps): Promise<void> {
  const { req, res } = ctx.http!;
  if (ctx.request.method !== 'GET') {
    res.setHeader('allow', 'GET');
    throw new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_ALLOWED, [ctx.request.method]);
  }
  const accept = checkAccept(req, true);
  if (accept) throw accept;
  const client = clientIdentity(ctx.consumer?.name, callerAddress(ctx.request));
  const capped = deps.caps.admit(client);
  if (capped) throw capped;
  const server = ctx.mcp!.server;
  // The endpoint repeats the SSE URL's query, as Higress's does, so a credential a REST server reads from it
  // (apiKey `in: query`) arrives with every message; the transport sets sessionId over any client value.
  const query = ctx.request.query ? `?${ctx.request.query}` : '';
  const id = randomUUID(); // 122 random bits from the CSPRNG
  const transport = new LegacySseTransport(id, deps.store, { res, endpoint: `/mcp/${server.name}/messages${query}`, keepAlive: deps.keepAlive });
  deps.caps.hold(id, client);
  const keeper = keeperFor(deps.store, id, deps.router.services.log);
  const session = deps.router.open({ id, config: server, consumer: ctx.consumer, remoteAddress: callerAddress(ctx.request), authorization: ctx.request.headers.authorization, keeper });
  transport.onclose = () => void deps.router.closeSession(id, 'closed');
  const now = Date.now();
  await storeNewSession(deps.holding, session, { id, server: server.name, consumer: ctx.consumer?.name ?? null, transport: 'sse', createdAt: now, lastSeenAt: now });
  const live = { session, transport, kind: 'sse' as const };
  deps.router.add(live);
  // Held (other replicas can serve its POSTs) before connect writes the endpoint the client POSTs to.
  await holdSession(live, deps.holding);
  await session.connect(transport);
  deps.keepAlive.add(res, () => void deps.store.touch(id).catch(() => {}));
  // The access-log line waits for the stream to end; the pipeline does not.
  ctx.outcome.settled = responseOver(res);
}

/** POST `/mcp/<name>/messages?sessionId=…`: one message per POST, answered on the stream; 202 here. */
export async function serveLegacyMessage(ctx: McpExchangeContext, deps: McpTransportDeps): Promise<void> {
  const { req, res } = ctx.http!;
  if (ctx.request.method !== 'POST') {
    res.setHeader('allow', 'POST');
    throw new GatewayError(errors.GW_ERR_MCP_METHOD_NOT_ALLOWED, [ctx.request.method]);
  }
  const contentType = checkContentType(req);
  if (contentType) throw contentType;
  const body = await readBodyText(ctx.http!, deps.options.maxBodyBytes);
  if (!body.ok) throw body.error;
  const parsed = parseMessages(body.text);
  if (!parsed.ok) throw refusal(ctx, parsed.error, parsed.id);
  const id = requestId(parsed.messages);
  const found = await deps.findSession(ctx, 'sse');
  if (!found.ok) throw refusal(ctx, found.error, id);
  if (parsed.batch) {
    throw new GatewayError(errors.GW_ERR_MCP_INVALID_REQUEST, ['batches are not supported on the HTTP+SSE transport']);
  }
  const message = parsed.messages[0]!;
  const transport = found.live.transport as LegacySseTransport;
  await deps.store.touch(found.live.session.id);
  if (isRequest(message)) found.live.session.noteCaller(message.id, callerAddress(ctx.request));
  transport.handleMessage(message, { requestInfo: { headers: req.headers, url: new URL(req.url ?? '/', 'http://gateway.invalid') } });
  res.writeHead(202, { 'content-type': 'text/plain', 'x-request-id': ctx.requestId }).end('Accepted');
}
