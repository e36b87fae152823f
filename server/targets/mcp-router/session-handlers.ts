import {
  CompleteRequestSchema,
  CompleteResultSchema,
  EmptyResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  RootsListChangedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type JSONRPCRequest,
  type ListToolsResult,
  type ServerResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from './cursor.js';
import { listPrompts, listResources, listResourceTemplates } from './merged-lists.js';
import { JsonRpcCode, invalidParams, protocolError } from './mcp-errors.js';
import { splitUri } from './naming.js';
import { admitMember, openAdmitted, toolVisible } from './member-policy.js';
import type { MemberLink } from './member-link.js';
import type { DownstreamExtra } from './relay.js';
import { relayRequest } from './relay-request.js';
import { inputAskedBy, withMemberRetry } from './member-retry.js';
import type { McpSession } from './session-view.js';

const TOOLS_PAGE = 500;

type Answer = (session: McpSession, request: never, extra: DownstreamExtra) => unknown;

/**
 * What a session answers, shared by every session: method → the schema a request is checked against and the
 * answer. One table instead of a handler pair per method per session keeps idle sessions small.
 */
const ROUTES = new Map<string, { readonly schema: z.ZodType; readonly answer: Answer }>();

function route<S extends z.ZodObject<{ method: z.ZodLiteral<string> }>>(
  schema: S,
  answer: (session: McpSession, request: z.infer<S>, extra: DownstreamExtra) => unknown,
): void {
  ROUTES.set(schema.shape.method.value, { schema, answer: answer as Answer });
}

route(InitializeRequestSchema, (session, req) => session.initialize(req.params));
route(ListToolsRequestSchema, async (session, req) => {
  await openAdmitted(session);
  return listTools(session, req.params?.cursor);
});
route(ListResourcesRequestSchema, (session, req, extra) => listResources(session, req.params?.cursor, extra.signal));
route(ListResourceTemplatesRequestSchema, (session, req, extra) => listResourceTemplates(session, req.params?.cursor, extra.signal));
route(ListPromptsRequestSchema, (session, req, extra) => listPrompts(session, req.params?.cursor, extra.signal));
route(ReadResourceRequestSchema, async (session, req, extra) => {
  const { link, uri } = await byUri(session, req.params.uri);
  return relayToMember(session, { link, method: 'resources/read', params: { ...req.params, uri }, schema: ReadResourceResultSchema }, extra);
});
route(SubscribeRequestSchema, async (session, req, extra) => {
  const { link, uri } = await byUri(session, req.params.uri);
  await link.subscribe({ ...req.params, uri }, { signal: extra.signal });
  return {};
});
route(UnsubscribeRequestSchema, async (session, req, extra) => {
  const { link, uri } = await byUri(session, req.params.uri);
  await link.unsubscribe({ ...req.params, uri }, { signal: extra.signal });
  return {};
});
route(GetPromptRequestSchema, async (session, req, extra) => {
  const { link, name } = await byPromptName(session, req.params.name);
  return relayToMember(session, { link, method: 'prompts/get', params: { ...req.params, name }, schema: GetPromptResultSchema }, extra);
});
route(CompleteRequestSchema, async (session, req, extra) => {
  const ref = req.params.ref;
  const target = ref.type === 'ref/prompt' ? await byPromptName(session, ref.name) : await byUri(session, ref.uri);
  const upstreamRef = 'name' in target ? { ...ref, name: target.name } : { ...ref, uri: target.uri };
  const params = { ...req.params, ref: upstreamRef };
  return relayToMember(session, { link: target.link, method: 'completion/complete', params, schema: CompleteResultSchema }, extra);
});
// Upstream sessions opened later get the level when they open.
route(SetLevelRequestSchema, async (session, req) => {
  session.logLevel = req.params.level;
  await session.keeper?.client({ logLevel: req.params.level });
  const ready = session.links.filter((l) => l.state === 'ready' && l.capabilities?.logging);
  await Promise.allSettled(ready.map((l) => l.request({ method: 'logging/setLevel', params: req.params }, EmptyResultSchema)));
  return {};
});

/** A client request a member answers, as relayed to it. */
interface MemberRequest {
  readonly link: MemberLink;
  /** The JSON-RPC method sent upstream. */
  readonly method: string;
  /** Its params, in the member's own names. */
  readonly params: Record<string, unknown>;
  /** What the upstream's result must be. */
  readonly schema: z.ZodType;
}

/**
 * Relays a client request that a member answers (a resource's contents, a prompt, a completion) on the member's
 * upstream session, opened first if need be, and returns the upstream's result as it sent it once it is checked
 * against `schema`: a result that is not one is -32603 naming the member.
 */
async function relayToMember(session: McpSession, request: MemberRequest, extra: DownstreamExtra): Promise<unknown> {
  const { link, method, params, schema } = request;
  await link.open();
  const sent = withMemberRetry(session.memberRetries, { id: extra.requestId, member: link.name }, params);
  const options = { member: link.name, method, params: sent, downstream: extra, timeoutMs: session.services.toolTimeoutMs, signal: extra.signal };
  const result = await relayRequest(link.calls, options);
  // A 2026 member's own input_required, for a 2026 client (downstream/member-input.ts): no contents or messages yet.
  if (session.modernClient && inputAskedBy(result) !== undefined) return result;
  const checked = schema.safeParse(result);
  if (!checked.success) throw protocolError(JsonRpcCode.InternalError, 'GW_ERR_MCP_BACKEND_FAILED', [`${link.name} (its ${method} result is not valid: ${checked.error.issues[0]?.message ?? 'bad shape'})`]);
  return result;
}

/**
 * Answers one request with the route for its method, checked against the route's schema: a mismatch is
 * JSON-RPC "Invalid params" (-32602) with the first problem named (the SDK's own handlers would answer -32603).
 */
async function answer(session: McpSession, request: JSONRPCRequest, extra: DownstreamExtra): Promise<ServerResult> {
  const found = ROUTES.get(request.method);
  // What the SDK answers a method nobody handles.
  if (!found) throw Object.assign(new Error('Method not found'), { code: JsonRpcCode.MethodNotFound });
  const parsed = found.schema.safeParse(request);
  if (!parsed.success) throw invalidParams(request.method, parsed.error);
  return (await found.answer(session, parsed.data as never, extra)) as ServerResult;
}

/** Points a session's SDK server at the shared routes (ping, cancellation and progress stay the SDK's). */
export function registerSessionHandlers(session: McpSession): void {
  const server = session.server;
  // The SDK's own initialize and logging/setLevel would shadow the routes.
  server.removeRequestHandler('initialize');
  server.removeRequestHandler('logging/setLevel');
  server.fallbackRequestHandler = (request, extra) => answer(session, request, extra);
  server.fallbackNotificationHandler = async (notification) => {
    if (notification.method !== RootsListChangedNotificationSchema.shape.method.value) return;
    await Promise.allSettled(session.links.map((l) => l.client?.sendRootsListChanged()));
  };
}

function listTools(session: McpSession, cursor: string | undefined): ListToolsResult {
  const position = decodeCursor(cursor);
  if (!position) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', ['unknown cursor']);
  const visible = session.index.list.filter((t) => toolVisible(session, t));
  const offset = position.o ?? 0;
  const page = visible.slice(offset, offset + TOOLS_PAGE).map((t) => ({ ...t.tool, name: t.exposed }));
  const next = offset + TOOLS_PAGE < visible.length ? encodeCursor({ m: 0, o: offset + TOOLS_PAGE }) : undefined;
  return next === undefined ? { tools: page } : { tools: page, nextCursor: next };
}

/** The member a resource URI routes to, once the member's consumer list admits the session's consumer. */
async function byUri(session: McpSession, exposed: string) {
  const split = splitUri(exposed, session.memberNames, session.rule);
  const link = split && session.links.find((l) => l.name === split.member);
  if (!split || !link) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', [`unknown resource ${exposed}`]);
  await admitMember(session, link.name);
  return { link, uri: split.uri };
}

/** The member a prompt name routes to, once the member's consumer list admits the session's consumer. */
async function byPromptName(session: McpSession, exposed: string) {
  const known = session.promptNames?.get(exposed);
  let target = known;
  if (!target && !session.rule.prefixed && session.links.length === 1) target = { member: session.links[0]!.name, name: exposed };
  if (!target && session.rule.prefixed) {
    const sep = session.rule.separator;
    const member = session.memberNames.find((m) => exposed.startsWith(m + sep));
    if (member) target = { member, name: exposed.slice(member.length + sep.length) };
  }
  const link = target && session.links.find((l) => l.name === target.member);
  if (!target || !link) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', [`unknown prompt ${exposed}`]);
  await admitMember(session, link.name);
  return { link, name: target.name };
}
