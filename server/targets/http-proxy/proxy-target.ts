import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, type Dispatcher } from 'undici';
import { GatewayError, errors, gatewayError } from '../../errors/index.js';
import type { GatewayContext, RouteTarget } from '../../pipeline/index.js';
import { limitBody } from '../../filters/body-limit.js';
import { downstreamResponseHeaders } from './forward-headers.js';
import { applyHeaderRules } from './request-shaping.js';
import { classifyUpstreamError } from './upstream-errors.js';
import type { ProxyRoute, RetryPolicy } from './proxy-route.js';
import { tunnel } from './tunnel.js';
import type { Pick, UpstreamPool } from './upstream-pool.js';

/** RFC 9110 §9.2.2: methods a client expects may be repeated. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Bodies up to this size are buffered on retrying routes so a retry can send them again. */
const REPLAY_LIMIT = 1 << 20;
const UPSTREAM_FAULTS = new Set(['GW_ERR_UPSTREAM_CONNECT', 'GW_ERR_UPSTREAM_TIMEOUT', 'GW_ERR_UPSTREAM_RESET', 'GW_ERR_UPSTREAM_PROTOCOL']);

type Body = Buffer | Readable | null;

/**
 * The HTTP reverse-proxy target: undici dispatchers (keep-alive pools per origin, shared across snapshots so
 * reloads never drop connections; one extra agent per distinct connect timeout), bodies streamed both ways,
 * retries before the first response byte only, outlier accounting on every attempt.
 */
export class HttpProxyTarget implements RouteTarget {
  readonly kind = 'http-proxy' as const;
  private readonly agents = new Map<number, Agent>();

  constructor(private readonly dispatcher: Dispatcher) {}

  async handle(ctx: GatewayContext): Promise<void> {
    const route = ctx.route as ProxyRoute;
    if (!route.choosePool) throw gatewayError('GW_ERR_TARGET_UNKNOWN', route.name, 'http-proxy without an upstream');
    const pool = route.choosePool(ctx);
    const body = await requestBody(ctx, route);
    const t = route.timeouts;
    const signal = t.totalMs ? AbortSignal.any([ctx.signal, AbortSignal.timeout(t.totalMs)]) : ctx.signal;
    const headersTimeout = route.retry?.perTryTimeoutMs ? Math.min(route.retry.perTryTimeoutMs, t.firstByteMs || Infinity) : t.firstByteMs;
    const request: Dispatcher.RequestOptions = {
      origin: '',
      path: '',
      method: ctx.request.method as Dispatcher.HttpMethod,
      headers: route.shaper.headers(ctx),
      body,
      signal,
      headersTimeout,
      bodyTimeout: t.idleMs,
    };
    const path = route.shaper.path(ctx);
    const dispatcher = t.connectMs ? this.agentFor(t.connectMs) : this.dispatcher;
    pool.budget.onRequest(Date.now());
    for (let tries = 0; ; tries++) {
      const picked = pool.pick(ctx, Date.now());
      if (!picked) throw gatewayError('GW_ERR_NO_HEALTHY_UPSTREAM', pool.name);
      const { member } = picked;
      ctx.outcome.upstream = member.target.origin;
      request.origin = member.target.origin;
      request.path = member.target.basePath + path;
      if ((ctx.http?.req as { upgrade?: boolean } | undefined)?.upgrade) return this.upgrade(ctx, picked, path, request.headers as Record<string, string>, t.connectMs);
      member.state.begin(Date.now());
      let upstream: Dispatcher.ResponseData;
      try {
        upstream = await dispatcher.request(request);
      } catch (err) {
        member.state.end();
        const e = signal !== ctx.signal && signal.aborted && !ctx.signal.aborted
          ? new GatewayError(errors.GW_ERR_UPSTREAM_TIMEOUT, [picked.pool.name, t.totalMs], { cause: err })
          : classifyUpstreamError(err, picked.pool.name, headersTimeout, ctx.signal.aborted);
        const fault = UPSTREAM_FAULTS.has(e.code);
        if (fault) picked.pool.fail(member, Date.now());
        if (fault && mayRetry(ctx, route.retry, e.code, tries, body, pool)) continue;
        throw fault && tries > 0 ? new GatewayError(errors.GW_ERR_RETRIES_EXHAUSTED, [pool.name, tries + 1], { cause: e }) : e;
      }
      const status = upstream.statusCode;
      if (status >= 500) picked.pool.fail(member, Date.now());
      else member.state.succeed();
      if (route.retry?.statuses.has(status) && mayRetry(ctx, route.retry, 'status', tries, body, pool)) {
        member.state.end();
        // Read (a little) and drop the refused answer; the connection may go back to the pool.
        await upstream.body.dump().catch(() => undefined);
        continue;
      }
      try {
        await relay(ctx, route, upstream, picked);
      } finally {
        member.state.end();
      }
      return;
    }
  }

  private async upgrade(ctx: GatewayContext, picked: Pick, path: string, headers: Record<string, string>, connectMs = 5_000): Promise<void> {
    picked.member.state.begin(Date.now());
    try {
      await tunnel(ctx, picked, path, headers, connectMs);
      picked.member.state.succeed();
    } catch (err) {
      picked.pool.fail(picked.member, Date.now());
      throw err;
    } finally {
      picked.member.state.end();
    }
  }

  /** Closes the extra agents (the shared dispatcher belongs to the gateway). */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }

  private agentFor(connectMs: number): Agent {
    let agent = this.agents.get(connectMs);
    if (!agent) this.agents.set(connectMs, (agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: connectMs } })));
    return agent;
  }
}

/**
 * Whether another try is allowed: the body can be sent again, attempts and the retry budget remain, and
 * the failure is one the route retries on. A connect failure never reached the upstream, so any method may
 * retry it; resets, timeouts and statuses only retry idempotent methods.
 */
function mayRetry(ctx: GatewayContext, retry: RetryPolicy | undefined, why: string, tries: number, body: Body, pool: UpstreamPool): boolean {
  if (!retry || tries >= retry.attempts || ctx.signal.aborted) return false;
  if (body !== null && !Buffer.isBuffer(body)) return false;
  let wanted: boolean;
  if (why === 'GW_ERR_UPSTREAM_CONNECT') wanted = retry.onConnectFailure;
  else if (!IDEMPOTENT.has(ctx.request.method)) wanted = false;
  else if (why === 'status') wanted = true;
  else if (why === 'GW_ERR_UPSTREAM_TIMEOUT') wanted = retry.onTimeout;
  else wanted = retry.onReset;
  return wanted && pool.budget.tryRetry(Date.now(), retry.budgetPercent, retry.minRetriesPerSecond);
}

/** null for no body; a Buffer when the route retries and the body is small (replayable); else the stream. */
async function requestBody(ctx: GatewayContext, route: ProxyRoute): Promise<Body> {
  const h = ctx.request.headers;
  const chunked = h['transfer-encoding'] !== undefined;
  const length = h['content-length'] === undefined ? 0 : Number(h['content-length']);
  if (!chunked && length === 0) return null;
  const req = ctx.http!.req;
  if (route.retry && !chunked && length <= REPLAY_LIMIT) {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch (err) {
      throw classifyUpstreamError(err, '', 0, true);
    }
    return Buffer.concat(chunks);
  }
  return chunked && route.maxBodyBytes !== undefined ? req.pipe(limitBody(route.maxBodyBytes)) : req;
}

/** Streams the upstream's answer; a failure after the headers went out aborts the client connection. */
async function relay(ctx: GatewayContext, route: ProxyRoute, upstream: Dispatcher.ResponseData, picked: Pick): Promise<void> {
  const res = ctx.http!.res;
  const headers = downstreamResponseHeaders(upstream.headers);
  if (route.responseHeaders) applyHeaderRules(headers, route.responseHeaders);
  res.writeHead(upstream.statusCode, headers);
  ctx.outcome.status = upstream.statusCode;
  let bytes = 0;
  upstream.body.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(upstream.body, res);
  } catch (err) {
    // Mid-stream failure: the client must see an aborted connection, never a clean end.
    res.destroy();
    upstream.body.on('error', () => undefined).destroy();
    throw classifyUpstreamError(err, picked.pool.name, route.timeouts.idleMs, ctx.signal.aborted);
  } finally {
    ctx.outcome.bytesOut = bytes;
  }
}
