import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GatewayError, errors, renderHttpError } from '../errors/index.js';
import { hasDuplicateHost } from './client-address.js';
import { nextRequestId } from './request-id.js';

/** Request headers accepted (Envoy's default is 100; browsers send about 20). More is a 431, never a silent cut. */
export const MAX_REQUEST_HEADERS = 200;

/**
 * Makes Node parse one header more than the limit, so an oversized block is seen and refused: Node's own
 * `maxHeadersCount` (2,000 name and value entries) drops the rest without a word and the request goes on.
 */
export function countHeaders(server: Server): void {
  server.maxHeadersCount = MAX_REQUEST_HEADERS + 1;
}

/** A refusal of the request's framing: what is wrong and which catalogue error says so. */
function refusal(req: IncomingMessage): GatewayError | undefined {
  // llhttp accepts any single-digit version; only HTTP/1.x belongs on this connection (RFC 9110 §15.6.6).
  if (req.httpVersionMajor !== 1) return new GatewayError(errors.GW_ERR_HTTP_VERSION, [`HTTP/${req.httpVersion}`]);
  if (req.rawHeaders.length / 2 > MAX_REQUEST_HEADERS) return new GatewayError(errors.GW_ERR_TOO_MANY_HEADERS, [MAX_REQUEST_HEADERS]);
  const problem = framingProblem(req);
  return problem === undefined ? undefined : new GatewayError(errors.GW_ERR_BAD_REQUEST, [problem]);
}

/**
 * Framing Node lets through but a proxy must not accept (request smuggling): more than one Host (RFC 9112
 * §3.2), and a Transfer-Encoding other than exactly `chunked` (Node answers `xchunked` with 200).
 */
function framingProblem(req: IncomingMessage): string | undefined {
  if (hasDuplicateHost(req.rawHeaders)) return 'more than one Host header';
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') return 'unsupported Transfer-Encoding';
  return undefined;
}

/** The latest response started on each connection (to see whether the connection is already condemned). */
const lastResponse = new WeakMap<Socket, ServerResponse>();

/**
 * Wraps the listener's handler so badly framed requests get a 400 and a closed connection before any ingress
 * (HTTP, MCP, LLM, WebSocket upgrade) sees them: the check belongs to the connection, not to one protocol.
 * Node parses pipelined requests and emits them while an earlier response is still pending; once a response on
 * the connection has said `Connection: close` (a refusal), nothing pipelined behind it is handled: after a
 * framing error the byte stream cannot be trusted to split into the requests it seems to hold (RFC 9112 §9.6).
 */
export function refuseBadFraming(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function checkFraming(req, res) {
    const earlier = lastResponse.get(req.socket);
    // Never answered: Node closes the connection after the earlier response and drops this one with it.
    if (earlier && !earlier.shouldKeepAlive) return void req.resume();
    lastResponse.set(req.socket, res);
    const refused = refusal(req);
    if (refused === undefined) return handle(req, res);
    res.shouldKeepAlive = false;
    renderHttpError(res, refused, nextRequestId());
  };
}
