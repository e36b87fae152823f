import { isIP } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { UpstreamRequest } from '../request/build-request.js';
import { CREDENTIAL_FREE_HEADERS } from '../request/security.js';
import type { OriginOverrides } from './origin-overrides.js';
import { bareHostname, EgressRefusedError, guardedLookup, type EgressPolicy } from './ssrf-guard.js';

/** A buffered upstream answer. */
export interface UpstreamResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The answer, or the isError text saying why there is none. */
export type SendResult = { readonly ok: true; readonly response: UpstreamResponse } | { readonly ok: false; readonly error: string };

/** Per-server transport state: overrides, the egress policy and its guarded connection pool. */
export interface UpstreamTransport {
  readonly overrides: OriginOverrides;
  readonly policy: EgressPolicy;
  /** Lazily built pool whose connect-time DNS lookup enforces the policy. */
  guarded(): Dispatcher;
  close(): Promise<void>;
}

/** Creates the transport for one server instance. */
export function createTransport(overrides: OriginOverrides, policy: EgressPolicy): UpstreamTransport {
  let agent: Agent | undefined;
  return {
    overrides,
    policy,
    guarded: () => (agent ??= new Agent({ connect: { lookup: guardedLookup(policy) } })),
    close: async () => {
      await agent?.close();
      agent = undefined;
    },
  };
}

/** Limits for one call. */
export interface SendOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Follow redirects (`agate.followRedirects`); otherwise a 3xx is returned like any other status. */
  readonly followRedirects?: boolean;
  readonly signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;

/**
 * Sends the request with a whole-call deadline and a body cap. A 3xx is an answer like any other
 * (Higress's RouteCall goes through Envoy's router, which does not follow it), unless
 * `followRedirects` asks for up to five hops, each re-applying overrides and the SSRF guard.
 * Never throws. Messages name the canonical host, never an override target.
 */
export async function sendUpstream(req: UpstreamRequest, transport: UpstreamTransport, opts: SendOptions): Promise<SendResult> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  let canonical = new URL(req.url);
  let { method, body } = req;
  let headers = req.headers;
  for (let hop = 0; ; hop++) {
    const target = transport.overrides.apply(canonical);
    const dispatcher = pickDispatcher(target, transport);
    if (typeof dispatcher === 'string') return { ok: false, error: `request to ${canonical.host} refused: ${dispatcher}${allowHint(canonical)}` };
    try {
      const res = await request(target, { method: method as Dispatcher.HttpMethod, headers: headers.flat(), body, signal, dispatcher });
      const location = res.headers.location;
      if (opts.followRedirects === true && [301, 302, 303, 307, 308].includes(res.statusCode) && typeof location === 'string') {
        await res.body.dump();
        if (hop >= MAX_REDIRECTS) return { ok: false, error: `${req.url}: more than ${MAX_REDIRECTS} redirects` };
        const next = new URL(location, canonical);
        if (next.origin !== canonical.origin) headers = headers.filter(([k]) => CREDENTIAL_FREE_HEADERS.has(k.toLowerCase()));
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          headers = headers.filter(([k]) => k.toLowerCase() !== 'content-type');
        }
        canonical = next;
        continue;
      }
      return await readResponse(res, canonical.host, opts.maxResponseBytes);
    } catch (err) {
      const failure = describeFailure(err, canonical.host, { deadline, caller: opts.signal, timeoutMs: opts.timeoutMs });
      return { ok: false, error: findRefusal(err) ? `${failure}${allowHint(canonical)}` : failure };
    }
  }
}

/** How an operator lets a refused host through (the one fix; the refusal itself stays). */
function allowHint(url: URL): string {
  const host = bareHostname(url);
  return `; if this host is meant to be reached, add it to agate.allowHosts in the config or pass --allow-host ${host} to agate mcp add`;
}

// undefined = the default pool (operator-named host); a string = why the destination is refused.
function pickDispatcher(target: URL, transport: UpstreamTransport): Dispatcher | undefined | string {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return `scheme ${target.protocol} is not allowed`;
  if (transport.policy.hostAllowed(target)) return undefined;
  const host = bareHostname(target);
  // net.connect skips lookup() for IP literals, so those are vetted here.
  if (isIP(host) !== 0) return transport.policy.refuseAddress(host) ?? transport.guarded();
  return transport.guarded();
}

async function readResponse(res: Dispatcher.ResponseData, host: string, max: number): Promise<SendResult> {
  const declared = Number(res.headers['content-length']);
  const tooLarge: SendResult = { ok: false, error: `response from ${host} is larger than the ${max}-byte limit` };
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    return tooLarge;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      res.body.destroy();
      return tooLarge;
    }
    chunks.push(chunk as Buffer);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return { ok: true, response: { status: res.statusCode, headers, body: Buffer.concat(chunks) } };
}

function describeFailure(err: unknown, host: string, ctx: { deadline: AbortSignal; caller?: AbortSignal; timeoutMs: number }): string {
  if (ctx.deadline.aborted) return `${host} did not answer within ${ctx.timeoutMs} ms`;
  if (ctx.caller?.aborted) return `call to ${host} was cancelled`;
  const refusal = findRefusal(err);
  if (refusal) return `request to ${host} refused: ${refusal.message}`;
  // Only the code: messages from Node and undici embed the connected address (maybe an override target).
  const code = (err as { code?: unknown }).code;
  return `could not reach ${host}${typeof code === 'string' ? ` (${code})` : ''}`;
}

function findRefusal(err: unknown): EgressRefusedError | undefined {
  for (let e = err as { cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e instanceof EgressRefusedError) return e;
    if (e instanceof AggregateError) return e.errors.find((x) => x instanceof EgressRefusedError) as EgressRefusedError | undefined;
  }
  return undefined;
}
