import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { GatewayContext } from '../../pipeline/index.js';
import { classifyUpstreamError } from './upstream-errors.js';
import type { Pick } from './upstream-pool.js';

/**
 * Passes an upgraded connection (WebSocket) through: connects to the target, replays the request head with
 * `Connection: Upgrade`, then splices the two sockets until either side closes, or until no byte has crossed in
 * either direction for `idleMs` (0: no limit), when both are closed (access-log flag `UT`). The upstream's 101
 * (or refusal) reaches the client byte for byte.
 */
export async function tunnel(
  ctx: GatewayContext,
  picked: Pick,
  path: string,
  headers: Record<string, string | string[]>,
  connectMs: number,
  idleMs: number,
): Promise<void> {
  const client = ctx.http!.req.socket;
  const origin = new URL(picked.member.target.origin);
  const port = Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80);
  const upstream: Socket =
    origin.protocol === 'https:' ? tlsConnect({ host: origin.hostname, port, servername: origin.hostname }) : netConnect({ host: origin.hostname, port });
  try {
    await connected(upstream, origin.protocol === 'https:' ? 'secureConnect' : 'connect', connectMs, ctx.signal);
  } catch (err) {
    upstream.destroy();
    throw classifyUpstreamError(err, picked.pool.name, connectMs, ctx.signal.aborted);
  }
  const lines = [`${ctx.request.method} ${picked.member.target.basePath}${path} HTTP/1.1`];
  headers.host ??= origin.host;
  headers.connection = 'Upgrade';
  headers.upgrade = ctx.request.headers.upgrade ?? 'websocket';
  for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  upstream.write(lines.join('\r\n') + '\r\n\r\n');
  ctx.outcome.status = 101;
  client.pipe(upstream);
  upstream.pipe(client);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(idle);
      client.destroy();
      upstream.destroy();
      resolve();
    };
    const idle = idleMs > 0 ? setTimeout(() => ((ctx.outcome.flag = 'UT'), done()), idleMs) : undefined;
    if (idle) {
      // Every byte in either direction is a 'data' event on one of the two sockets.
      const active = () => idle.refresh();
      client.on('data', active);
      upstream.on('data', active);
    }
    client.once('close', done);
    upstream.once('close', done);
    client.once('error', done);
    upstream.once('error', done);
  });
}

function connected(socket: Socket, event: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
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
