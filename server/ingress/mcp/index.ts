import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError, errors, toGatewayError } from '../../errors/index.js';
import type { TurnBudget } from '../../pipeline/turn-budget.js';
import type { Snapshot } from '../../snapshot/snapshot.js';
import type { McpExchangeContext } from '../../targets/mcp-router/index.js';
import { normalizePath } from '../normalize-path.js';
import { ExchangeContext, describeRequest } from '../exchange-context.js';
import { nextRequestId } from '../request-id.js';
import { renderMcpError } from './respond.js';

/** What the MCP ingress needs from the gateway. */
export interface McpIngressDeps {
  /** The snapshot to serve, captured once per request. */
  current(): Snapshot | undefined;
  /** The MCP router's turn budget: new requests start in a later turn once this one spent its share. */
  readonly turns: TurnBudget;
  readonly log: Logger;
  /** Peers whose X-Forwarded-For names the caller (tools such as maps_ip_location see that address). */
  readonly trustedProxies?: BlockList;
}

/**
 * The MCP ingress adapter, shaped like the HTTP one: parses the request target into a GatewayContext, runs the MCP pipeline (whose `mcp-router` target speaks the transports), and renders what it
 * throws as a JSON-RPC error with the catalogue status.
 */
export function createMcpIngress(deps: McpIngressDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (res.destroyed) return; // its client left while it waited for a turn
    const requestId = nextRequestId();
    const snapshot = deps.current();
    // Origin and Host are checked inside the chain (the mcp-origin filter), so their refusals are logged and counted.
    if (!snapshot) return renderMcpError(res, new GatewayError(errors.GW_ERR_MCP_SERVER_NOT_FOUND, [req.url]), { requestId });
    const ctx = contextFor({ req, res }, requestId, deps);
    if (!ctx) return renderMcpError(res, new GatewayError(errors.GW_ERR_BAD_REQUEST, ['invalid request target']), { requestId });
    snapshot.mcp.handle(ctx).catch((err) => {
      const e = toGatewayError(err);
      if (e.code === 'GW_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e, requestId }, 'unhandled MCP error');
      renderMcpError(res, e, { requestId, id: ctx.replyId });
    });
  };
  return function handleMcp(req, res) {
    deps.turns.run(() => handle(req, res));
  };
}

function contextFor(exchange: { req: IncomingMessage; res: ServerResponse }, requestId: string, deps: McpIngressDeps): McpExchangeContext | undefined {
  const { req, res } = exchange;
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = normalizePath(q === -1 ? raw : raw.slice(0, q));
  if (!path.ok) return undefined;
  const request = describeRequest(req, { path: path.path, query: q === -1 ? '' : raw.slice(q + 1) }, deps.trustedProxies);
  return new ExchangeContext({ kind: 'mcp', requestId, log: deps.log, request, req, res });
}
