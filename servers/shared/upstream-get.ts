import { request } from 'undici';
import { applyOriginOverride, type UpstreamLimits } from './upstream-options.js';

/** One GET to a hosted server's fixed upstream API. */
export interface UpstreamGetRequest {
  /** Canonical URL without query, e.g. `https://restapi.amap.com/v3/ip`; overrides apply to its origin. */
  url: string;
  /** Query parameters in send order; `undefined` values are left out. Values are URL-encoded here. */
  query?: Readonly<Record<string, string | undefined>>;
  /** Extra request headers (credentials); `Accept: application/json` is always sent. */
  headers?: Readonly<Record<string, string>>;
  /** The MCP request's abort signal, so a cancelled tools/call stops the upstream call too. */
  signal?: AbortSignal;
}

/** Status and body text of an upstream answer, or a message saying why there is none. */
export type UpstreamGetResult =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly error: string };

/**
 * GETs a fixed upstream URL with a whole-call deadline and a body size cap. Never throws: every failure
 * (refused, reset, timeout, cancelled, oversized) comes back as `{ ok: false, error }` naming the
 * canonical origin, never the override, so tool results do not reveal internal addresses.
 */
export async function upstreamGet(req: UpstreamGetRequest, limits: UpstreamLimits): Promise<UpstreamGetResult> {
  const canonical = new URL(req.url);
  const target = applyOriginOverride(canonical, limits);
  for (const [name, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) target.searchParams.append(name, value);
  }
  const host = canonical.host;
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
  try {
    // undici's request() follows no redirects by default: a 3xx comes back as a status, so a redirect
    // can never move the call (and the API key) to another host (perf-reliability §6.2 control 4).
    const res = await request(target, {
      method: 'GET',
      headers: { ...req.headers, accept: 'application/json' },
      signal,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
      res.body.destroy();
      return tooLarge(host, limits);
    }
    const body = await readCapped(res.body, limits.maxResponseBytes);
    if (body === undefined) return tooLarge(host, limits);
    return { ok: true, status: res.statusCode, body };
  } catch (err) {
    return { ok: false, error: describeFailure(err, host, { target, deadline, caller: req.signal, limits }) };
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(host: string, limits: UpstreamLimits): UpstreamGetResult {
  return { ok: false, error: `response from ${host} is larger than the ${limits.maxResponseBytes}-byte limit` };
}

interface FailureContext {
  target: URL;
  deadline: AbortSignal;
  caller: AbortSignal | undefined;
  limits: UpstreamLimits;
}

// Order matters: an abort surfaces as a generic AbortError, so ask the signals which one fired.
function describeFailure(err: unknown, host: string, ctx: FailureContext): string {
  if (ctx.deadline.aborted) return `${host} did not answer within ${ctx.limits.timeoutMs} ms`;
  if (ctx.caller?.aborted) return `call to ${host} was cancelled`;
  const e = err as { code?: unknown; message?: unknown };
  // Only the error code: Node and undici messages embed the connected address, which would reveal an
  // origin override (an internal host) to the tool caller. AggregateError (dual-stack) has a code too.
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message.split(ctx.target.hostname).join(host) : '';
  const detail = code ?? message;
  return `could not reach ${host}${detail === '' ? '' : ` (${detail})`}`;
}
