import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { BlockList, Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import { GatewayError, errors, renderHttpError } from '../errors/index.js';
import { isTrusted } from './client-address.js';
import { nextRequestId } from './request-id.js';

/** What one client may hold of the listener: time to send a request, and connections. */
export interface ClientLimits {
  /** The request head must be complete within this, ms; then 408 and close (Node's `headersTimeout`). Default 15,000. */
  headersTimeoutMs?: number;
  /** A request body with no byte arriving for this long gets 408 and a closed connection, ms; 0: no limit. Default 30,000. */
  bodyIdleTimeoutMs?: number;
  /** Open connections per client address (trusted proxies exempt); a new one beyond it is closed at once. 0: no limit. Default 256. */
  maxConnectionsPerClient?: number;
}

/** Defaults: Node's own are 60 s for the head and nothing for body progress (a trickle holds a socket for 300 s). */
export const CLIENT_LIMIT_DEFAULTS: Required<ClientLimits> = { headersTimeoutMs: 15_000, bodyIdleTimeoutMs: 30_000, maxConnectionsPerClient: 256 };

/**
 * Options for `createServer`: Node only checks `headersTimeout` every `connectionsCheckingInterval` (30 s by
 * default, so a 15 s limit would really be up to 45 s); checking at a quarter of the limit keeps it honest.
 */
export function listenerTimeouts(limits: ClientLimits): ServerOptions {
  const headersTimeout = limits.headersTimeoutMs ?? CLIENT_LIMIT_DEFAULTS.headersTimeoutMs;
  return { headersTimeout, connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(headersTimeout / 4))) };
}

/**
 * Closes a new connection at once when its client address already holds `max` open ones (one client must not
 * take every descriptor of the process: 5,000 half-open sockets locked everyone else out). Counted in
 * `agate_connections_refused_total{reason="per_client_limit"}`. Trusted proxies carry many clients and are exempt.
 */
export function capConnectionsPerClient(server: Server, options: { max?: number; trusted?: BlockList; registry: Registry }): void {
  const max = options.max ?? CLIENT_LIMIT_DEFAULTS.maxConnectionsPerClient;
  if (max <= 0) return;
  const refused = new Counter({
    name: 'agate_connections_refused_total',
    help: 'Connections closed on arrival, by reason',
    labelNames: ['reason'],
    registers: [options.registry],
  });
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (options.trusted && isTrusted(options.trusted, address)) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      refused.inc({ reason: 'per_client_limit' });
      return void socket.destroy();
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Wraps the request handler so a request body that stops arriving is answered 408 and its connection closed.
 * Progress is the socket's `bytesRead`, checked every `idleMs`: no 'data' listener may be added (it would take the
 * body from its reader), and a body waiting unread in the request's buffer is the gateway's delay, not the
 * client's, so it never counts as a stall.
 */
export function refuseStalledBodies(
  idleMs: number | undefined,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const ms = idleMs ?? CLIENT_LIMIT_DEFAULTS.bodyIdleTimeoutMs;
  if (ms <= 0) return handle;
  return function watchBody(req, res) {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    // Node emits 'request' before it parses the rest of the same read, where a small body usually is: look again
    // once that read is parsed, so a body that came whole with its head costs no timer and no listeners.
    if (hasBody && !req.complete) process.nextTick(watchUnlessComplete, req, res, ms);
    handle(req, res);
  };
}

function watchUnlessComplete(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (!req.complete && !req.destroyed) watch(req, res, ms);
}

function watch(req: IncomingMessage, res: ServerResponse, ms: number): void {
  const socket = req.socket;
  let seen = socket.bytesRead;
  const timer = setInterval(() => {
    if (socket.bytesRead !== seen || req.readableLength > 0) return void (seen = socket.bytesRead);
    stop();
    // Whoever reads the body (the proxy streaming it upstream, an MCP or LLM reader) sees it fail and unwinds;
    // the answer being already finished, a bare socket close would not tell them.
    const cut = () => {
      req.destroy(Object.assign(new Error(`no request body byte for ${ms} ms`), { code: 'ECONNRESET' }));
      socket.destroy();
    };
    if (res.headersSent) return cut();
    res.shouldKeepAlive = false;
    res.once('finish', cut);
    renderHttpError(res, new GatewayError(errors.GW_ERR_BODY_TIMEOUT, [ms]), nextRequestId());
  }, ms);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    req.removeListener('end', stop);
    req.removeListener('close', stop);
  };
  req.once('end', stop);
  req.once('close', stop);
}
