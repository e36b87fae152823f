import {
  CallToolRequestSchema,
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
  type ListToolsResult,
} from '@modelcontextprotocol/sdk/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { listPrompts, listResources, listResourceTemplates } from './merged-lists.js';
import { JsonRpcCode, protocolError } from './mcp-errors.js';
import { splitUri } from './naming.js';
import { toolAllowed } from './policy.js';
import { onBehalfOf } from './relay.js';
import type { RouterSession } from './router-session.js';
import { callTool } from './tool-call.js';

const TOOLS_PAGE = 500;

/** Installs the router's request handlers on a session's SDK server (ping and errors are the SDK's). */
export function registerSessionHandlers(session: RouterSession): void {
  const server = session.server;
  server.setRequestHandler(InitializeRequestSchema, (req) => session.initialize(req.params));
  server.setRequestHandler(ListToolsRequestSchema, (req) => listTools(session, req.params?.cursor));
  server.setRequestHandler(CallToolRequestSchema, (req, extra) => callTool(session, req.params, extra));
  server.setRequestHandler(ListResourcesRequestSchema, (req, extra) => listResources(session, req.params?.cursor, extra.signal));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, (req, extra) =>
    listResourceTemplates(session, req.params?.cursor, extra.signal),
  );
  server.setRequestHandler(ListPromptsRequestSchema, (req, extra) => listPrompts(session, req.params?.cursor, extra.signal));
  server.setRequestHandler(ReadResourceRequestSchema, (req, extra) => {
    const { link, uri } = byUri(session, req.params.uri);
    return onBehalfOf(extra, () => link.request({ method: 'resources/read', params: { ...req.params, uri } }, ReadResourceResultSchema, { signal: extra.signal }));
  });
  server.setRequestHandler(SubscribeRequestSchema, (req, extra) => {
    const { link, uri } = byUri(session, req.params.uri);
    return link.request({ method: 'resources/subscribe', params: { ...req.params, uri } }, EmptyResultSchema, { signal: extra.signal });
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (req, extra) => {
    const { link, uri } = byUri(session, req.params.uri);
    return link.request({ method: 'resources/unsubscribe', params: { ...req.params, uri } }, EmptyResultSchema, { signal: extra.signal });
  });
  server.setRequestHandler(GetPromptRequestSchema, (req, extra) => {
    const { link, name } = byPromptName(session, req.params.name);
    return onBehalfOf(extra, () => link.request({ method: 'prompts/get', params: { ...req.params, name } }, GetPromptResultSchema, { signal: extra.signal }));
  });
  server.setRequestHandler(CompleteRequestSchema, (req, extra) => {
    const ref = req.params.ref;
    const target = ref.type === 'ref/prompt' ? byPromptName(session, ref.name) : byUri(session, ref.uri);
    const upstreamRef = 'name' in target ? { ...ref, name: target.name } : { ...ref, uri: target.uri };
    return target.link.request({ method: 'completion/complete', params: { ...req.params, ref: upstreamRef } }, CompleteResultSchema, {
      signal: extra.signal,
    });
  });
  server.setRequestHandler(SetLevelRequestSchema, async (req) => {
    const ready = session.links.filter((l) => l.state === 'ready' && l.capabilities.logging);
    await Promise.allSettled(ready.map((l) => l.request({ method: 'logging/setLevel', params: req.params }, EmptyResultSchema)));
    return {};
  });
  server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    await Promise.allSettled(session.links.map((l) => l.client?.sendRootsListChanged()));
  });
}

function listTools(session: RouterSession, cursor: string | undefined): ListToolsResult {
  const position = decodeCursor(cursor);
  if (!position) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', ['unknown cursor']);
  const visible = session.index.list.filter((t) => toolAllowed(session.config.policy, t.exposed, session.consumer));
  const offset = position.o ?? 0;
  const page = visible.slice(offset, offset + TOOLS_PAGE).map((t) => ({ ...t.tool, name: t.exposed }));
  const next = offset + TOOLS_PAGE < visible.length ? encodeCursor({ m: 0, o: offset + TOOLS_PAGE }) : undefined;
  return next === undefined ? { tools: page } : { tools: page, nextCursor: next };
}

function byUri(session: RouterSession, exposed: string) {
  const split = splitUri(exposed, session.memberNames, session.rule);
  const link = split && session.links.find((l) => l.name === split.member);
  if (!split || !link) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', [`unknown resource ${exposed}`]);
  return { link, uri: split.uri };
}

function byPromptName(session: RouterSession, exposed: string) {
  const known = session.promptNames.get(exposed);
  let target = known;
  if (!target && !session.rule.prefixed && session.links.length === 1) target = { member: session.links[0]!.name, name: exposed };
  if (!target && session.rule.prefixed) {
    const sep = session.rule.separator;
    const member = session.memberNames.find((m) => exposed.startsWith(m + sep));
    if (member) target = { member, name: exposed.slice(member.length + sep.length) };
  }
  const link = target && session.links.find((l) => l.name === target.member);
  if (!target || !link) throw protocolError(JsonRpcCode.InvalidParams, 'GW_ERR_MCP_INVALID_PARAMS', [`unknown prompt ${exposed}`]);
  return { link, name: target.name };
}
