import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { GatewayError, errors, gatewayError } from '../../errors/index.js';
import type { GatewayContext, RouteTarget } from '../../pipeline/index.js';
import { limitBody } from '../../filters/body-limit.js';
import { clientGone } from '../upstream-attempt.js';
import { RelayHandler, type AttemptEnd } from './relay-handler.js';
import { classifyUpstreamError, type UpstreamFailure } from './upstream-errors.js';
import type { ProxyRoute, ProxyTimeouts, RetryPolicy } from './proxy-route.js';
import { tunnel, type TunnelOptions } from './tunnel.js';
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
    const body = needsBuffering(ctx, route) ? await bufferedBody(ctx) : streamedBody(ctx, route);
    const t = route.timeouts;
    const request = dispatchOptions(ctx, route, body);
    const headersTimeout = request.headersTimeout!;
    const path = route.shaper.path(ctx);
    const dispatcher = t.connectMs ? this.agentFor(t.connectMs) : this.dispatcher;
    const res = ctx.http!.res;
    // The total timeout spans every try; armed only when the route sets one (most do not).
    const deadline = t.totalMs ? new Deadline(t.totalMs) : undefined;
    let now = Date.now();
    pool.budget.onRequest(now);
    try {
      for (let tries = 0; ; tries++, now = Date.now()) {
        const picked = pool.pick(ctx, now);
        if (!picked) throw gatewayError('GW_ERR_NO_HEALTHY_UPSTREAM', pool.name);
        const { member } = picked;
        ctx.outcome.upstream = member.target.origin;
        request.origin = member.target.origin;
        request.path = member.target.basePath + path;
        if ((ctx.http?.req as { upgrade?: boolean } | undefined)?.upgrade) return await this.upgrade(ctx, picked, tunnelOptions(t, path, request));
        if (clientGone(res)) throw new GatewayError(errors.GW_ERR_DOWNSTREAM_DISCONNECT, []);
        member.state.begin(now);
        const retry = route.retry;
        const attempt = new RelayHandler({
          res,
          outcome: ctx.outcome,
          picked,
          responseHeaders: route.responseHeaders,
          filterHeaders: ctx.responseHeaders,
          body,
          refuse: retry?.statuses.size ? (status) => retry.statuses.has(status) && mayRetry(ctx, 'status', { retry, tries, body, pool }) : undefined,
        });
        if (deadline) deadline.current = attempt;
        let end: AttemptEnd;
        try {
          end = await attempt.start(dispatcher, request);
        } catch (err) {
          const started = attempt.status !== 0;
          const where = { upstream: picked.pool.name, timeoutMs: started ? t.idleMs : headersTimeout, clientGone: clientGone(res), totalMs: t.totalMs };
          const e = attemptError(err, deadline, where);
          // The answer had started: the handler already cut the client off; only the log remains.
          if (started) throw ((ctx.outcome.bytesOut = attempt.bytes), e);
          const fault = UPSTREAM_FAULTS.has(e.code);
          if (fault) picked.pool.fail(member, Date.now());
          if (fault && mayRetry(ctx, e.code, { retry, tries, body, pool })) continue;
          throw fault && tries > 0 ? new GatewayError(errors.GW_ERR_RETRIES_EXHAUSTED, [pool.name, tries + 1], { cause: e }) : e;
        } finally {
          member.state.end();
        }
        if (end === 'refused') continue;
        ctx.outcome.bytesOut = attempt.bytes;
        return;
      }
    } finally {
      deadline?.clear();
    }
  }

  private async upgrade(ctx: GatewayContext, picked: Pick, options: TunnelOptions): Promise<void> {
    picked.member.state.begin(Date.now());
    try {
      await tunnel(ctx, picked, options);
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

/** Where a request stands when a try failed (built only on a failure, never on a request that succeeds). */
interface RetryState {
  readonly retry: RetryPolicy | undefined;
  /** Tries made before this one. */
  readonly tries: number;
  readonly body: Body;
  /** The route's pool, whose budget a retry spends. */
  readonly pool: UpstreamPool;
}

/**
 * Whether another try is allowed: the body can be sent again, attempts and the retry budget remain, and
 * the failure is one the route retries on. A connect failure never reached the upstream, so any method may
 * retry it; resets, timeouts and statuses only retry idempotent methods.
 */
function mayRetry(ctx: GatewayContext, why: string, state: RetryState): boolean {
  const { retry, tries, body, pool } = state;
  if (!retry || tries >= retry.attempts || clientGone(ctx.http!.res)) return false;
  if (body !== null && !Buffer.isBuffer(body)) return false;
  let wanted: boolean;
  if (why === 'GW_ERR_UPSTREAM_CONNECT') wanted = retry.onConnectFailure;
  else if (!IDEMPOTENT.has(ctx.request.method)) wanted = false;
  else if (why === 'status') wanted = true;
  else if (why === 'GW_ERR_UPSTREAM_TIMEOUT') wanted = retry.onTimeout;
  else wanted = retry.onReset;
  return wanted && pool.budget.tryRetry(Date.now(), retry.budgetPercent, retry.minRetriesPerSecond);
}

/** A failed try as the catalogue error: the route's total timeout if it fired first, else the network failure. */
function attemptError(err: unknown, deadline: Deadline | undefined, where: UpstreamFailure & { totalMs?: number }): GatewayError {
  if (deadline?.fired && !where.clientGone) return new GatewayError(errors.GW_ERR_UPSTREAM_TIMEOUT, [where.upstream, where.totalMs], { cause: err });
  return classifyUpstreamError(err, where);
}

/**
 * The undici request of one exchange, reused by every try (each sets its origin and path): method, shaped headers,
 * body, and the first-byte timeout, capped by the per-try timeout of a retrying route.
 */
function dispatchOptions(ctx: GatewayContext, route: ProxyRoute, body: Body): Dispatcher.DispatchOptions {
  const t = route.timeouts;
  const headersTimeout = route.retry?.perTryTimeoutMs ? Math.min(route.retry.perTryTimeoutMs, t.firstByteMs || Infinity) : t.firstByteMs;
  return {
    origin: '',
    path: '',
    method: ctx.request.method as Dispatcher.HttpMethod,
    headers: route.shaper.headers(ctx),
    body,
    headersTimeout,
    bodyTimeout: t.idleMs,
  };
}

/** The tunnel of an upgrade request: the shaped headers and path of `request`, the route's timeouts. */
function tunnelOptions(t: ProxyTimeouts, path: string, request: Dispatcher.DispatchOptions): TunnelOptions {
  return { path, headers: request.headers as Record<string, string>, connectMs: t.connectMs ?? 5_000, firstByteMs: t.firstByteMs, idleMs: t.idleMs };
}

/** Whether the body must be read first: the route retries and the body is small enough to send again. */
function needsBuffering(ctx: GatewayContext, route: ProxyRoute): boolean {
  if (!route.retry) return false;
  const h = ctx.request.headers;
  if (h['transfer-encoding'] !== undefined || h['content-length'] === undefined) return false;
  const length = Number(h['content-length']);
  return length > 0 && length <= REPLAY_LIMIT;
}

/** The whole (small) body as a Buffer, so a retry can send it again. */
async function bufferedBody(ctx: GatewayContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of ctx.http!.req) chunks.push(c as Buffer);
  } catch (err) {
    throw classifyUpstreamError(err, { upstream: '', timeoutMs: 0, clientGone: true });
  }
  return Buffer.concat(chunks);
}

/** null for no body, else the client's stream (counted against the route's limit when chunked). */
function streamedBody(ctx: GatewayContext, route: ProxyRoute): Body {
  const h = ctx.request.headers;
  const chunked = h['transfer-encoding'] !== undefined;
  const length = h['content-length'] === undefined ? 0 : Number(h['content-length']);
  if (!chunked && length === 0) return null;
  const req = ctx.http!.req;
  return chunked && route.maxBodyBytes !== undefined ? req.pipe(limitBody(route.maxBodyBytes)) : req;
}

/** The route's total timeout: aborts whichever attempt is running when it fires. */
class Deadline {
  fired = false;
  current: RelayHandler | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => {
      this.fired = true;
      this.current?.abort(new Error(`total timeout of ${ms} ms`));
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
