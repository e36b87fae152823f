import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { mergeResponseHeaders, type GatewayContext } from '../../pipeline/index.js';
import { downstreamResponseHeaders } from './forward-headers.js';
import { classifyUpstreamError } from './upstream-errors.js';
import type { Pick } from './upstream-pool.js';

/** What a tunnel needs besides the exchange and the picked upstream. */
export interface TunnelOptions {
  /** The upstream path (after the route's rewrites), without the target's base path. */
  readonly path: string;
  /** The request headers as shaped for the upstream (forwarded-for headers included). */
  readonly headers: Record<string, string | string[]>;
  readonly connectMs: number;
  /** Until the upstream's answer to the upgrade request; 0: no limit. */
  readonly firstByteMs: number;
  /** No byte in either direction for this long closes the tunnel; 0: no limit. */
  readonly idleMs: number;
}

/** How the upstream answered the upgrade request. */
type Answer = { upgraded: true; head: IncomingMessage; socket: Duplex; rest: Buffer } | { upgraded: false; response: IncomingMessage };

/**
 * Passes an upgraded connection (WebSocket) through. The request head goes upstream through node:http's client
 * parser; only a `101 Switching Protocols` splices the two sockets (until either side closes, or no byte has
 * crossed for `idleMs`, when both are closed with access-log flag `UT`). Any other answer is relayed as an
 * ordinary response and the connection closed: splicing before the 101 would carry whatever the client writes
 * next on this connection to the upstream unrouted and unauthenticated (request smuggling).
 */
export async function tunnel(ctx: GatewayContext, picked: Pick, options: TunnelOptions): Promise<void> {
  const client = ctx.http!.req.socket;
  const answer = await sendUpgrade(ctx, picked, options);
  if (!answer.upgraded) return relayRefusal(ctx, answer.response);
  ctx.outcome.status = 101;
  const { head, socket: upstream, rest } = answer;
  const lines = [`HTTP/1.1 101 ${head.statusMessage || 'Switching Protocols'}`];
  for (let i = 0; i < head.rawHeaders.length; i += 2) lines.push(`${head.rawHeaders[i]}: ${head.rawHeaders[i + 1]}`);
  client.write(lines.join('\r\n') + '\r\n\r\n');
  if (rest.length) client.write(rest);
  client.pipe(upstream);
  upstream.pipe(client);
  await splice(ctx, upstream, options.idleMs);
}

/** Connects, writes the upgrade request and waits for the upstream's head: a 101 or an ordinary response. */
async function sendUpgrade(ctx: GatewayContext, picked: Pick, options: TunnelOptions): Promise<Answer> {
  const origin = new URL(picked.member.target.origin);
  const tls = origin.protocol === 'https:';
  const port = Number(origin.port) || (tls ? 443 : 80);
  const socket: Socket = tls ? tlsConnect({ host: origin.hostname, port, servername: origin.hostname }) : netConnect({ host: origin.hostname, port });
  try {
    await connected(socket, options.connectMs, ctx.signal);
  } catch (err) {
    socket.destroy();
    throw classifyUpstreamError(err, { upstream: picked.pool.name, timeoutMs: options.connectMs, clientGone: ctx.signal.aborted });
  }
  const headers: Record<string, string | string[]> = { ...options.headers, host: options.headers.host ?? origin.host, connection: 'Upgrade', upgrade: ctx.request.headers.upgrade ?? 'websocket' };
  const send = tls ? httpsRequest : httpRequest;
  const req = send({ createConnection: () => socket, method: ctx.request.method, path: picked.member.target.basePath + options.path, headers, setHost: false });
  return new Promise<Answer>((resolve, reject) => {
    const fail = (err: unknown) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      req.destroy();
      socket.destroy();
      reject(classifyUpstreamError(err, { upstream: picked.pool.name, timeoutMs: options.firstByteMs, clientGone: ctx.signal.aborted }));
    };
    const settle = (answer: Answer) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(answer);
    };
    const onAbort = () => fail(new Error('client gone'));
    const timer = options.firstByteMs > 0 ? setTimeout(() => fail(Object.assign(new Error('no answer'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), options.firstByteMs) : undefined;
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    req.once('upgrade', (head: IncomingMessage, upgraded: Duplex, rest: Buffer) => settle({ upgraded: true, head, socket: upgraded, rest }));
    req.once('response', (response: IncomingMessage) => settle({ upgraded: false, response }));
    req.once('error', fail);
    req.end();
  });
}

/** An upstream that declined the upgrade: its answer is the client's, then the connection closes (the ingress ends it). */
async function relayRefusal(ctx: GatewayContext, response: IncomingMessage): Promise<void> {
  const res = ctx.http!.res;
  ctx.outcome.status = response.statusCode ?? 502;
  res.shouldKeepAlive = false;
  const head = downstreamResponseHeaders(response.headers);
  mergeResponseHeaders(head, ctx.responseHeaders);
  res.writeHead(ctx.outcome.status, head);
  await new Promise<void>((resolve) => {
    response.pipe(res);
    res.once('close', () => {
      response.destroy();
      resolve();
    });
    response.once('error', () => res.destroy());
  });
}

/** Resolves when the tunnel between the client's socket and `upstream` ends; closes both sides. */
function splice(ctx: GatewayContext, upstream: Duplex, idleMs: number): Promise<void> {
  const client = ctx.http!.req.socket;
  return new Promise<void>((resolve) => {
    let idle: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(idle);
      client.destroy();
      upstream.destroy();
      resolve();
    };
    if (idleMs > 0) {
      // Every byte in either direction is a 'data' event on one of the two sockets; it only notes the time. When
      // the timer fires it measures the silence itself and re-arms for what is left: a timer refreshed on a busy
      // turn counts from the loop's cached clock, which can be earlier than the byte, and an idle tunnel must
      // never be closed before idleMs of silence.
      let lastByte = performance.now();
      const expire = () => {
        const silentMs = performance.now() - lastByte;
        if (silentMs < idleMs) idle = setTimeout(expire, Math.ceil(idleMs - silentMs));
        else ((ctx.outcome.flag = 'UT'), done());
      };
      idle = setTimeout(expire, idleMs);
      const active = () => void (lastByte = performance.now());
      client.on('data', active);
      upstream.on('data', active);
    }
    client.once('close', done);
    upstream.once('close', done);
    client.once('error', done);
    upstream.once('error', done);
  });
}

/** Resolves once `socket` is connected (after its TLS handshake for a TLS socket); rejects on error, timeout or abort. */
function connected(socket: Socket, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const event = socket instanceof TLSSocket ? 'secureConnect' : 'connect';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), timeoutMs);
    const onAbort = () => reject(new Error('client gone'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(event, () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}
