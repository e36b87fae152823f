/**
 * The llm-router target: tries a route's candidates (weighted pick, other targets, fallback chain) and, within
 * a provider, its keys in rotation. Any failure before the first byte reaches the client moves on; after that
 * the stream ends with an error event and an aborted connection (llm-gateway-peers §0.3).
 */
import type { Dispatcher } from 'undici';
import { GatewayError, gatewayError, isGatewayError } from '../../../errors/index.js';
import type { RouteTarget } from '../../../pipeline/index.js';
import { ProviderConfigError } from '../providers/index.js';
import { TranslationError } from '../translate/index.js';
import type { KeyHealth } from '../keys/key-health.js';
import { estimatePromptTokens } from '../tokens/index.js';
import { candidateOrder } from './candidates.js';
import { normalizedOf, translationError, upstreamError } from './errors.js';
import { listModels } from './models.js';
import { prepareCall, UnsupportedCallError, type PreparedCall } from './prepare-call.js';
import { readJson, writeJson } from './serve-json.js';
import { serveStream } from './serve-stream.js';
import { openCall, transportFailure, type AttemptFailure } from './upstream-call.js';
import { clientGone } from '../../upstream-attempt.js';
import type { LlmContext, LlmRoute } from './types.js';

/** Long-lived pieces the target needs. */
export interface LlmTargetDeps {
  /** Keep-alive undici Agent shared by every upstream call. */
  dispatcher: Dispatcher;
  keys: KeyHealth;
}

type Attempt = { ok: true } | { ok: false; failure: AttemptFailure };

/** Creates the target `dispatch` hands `llm-router` routes to. */
export function createLlmRouterTarget(deps: LlmTargetDeps): RouteTarget {
  return {
    kind: 'llm-router',
    async handle(gctx) {
      const ctx = gctx as LlmContext;
      const route = ctx.route as LlmRoute;
      if (ctx.llm.api === 'models') {
        writeJson(ctx, 200, listModels(route.models?.(ctx.consumer) ?? [], ctx.llm.protocol));
        ctx.outcome.status = 200;
        return;
      }
      if (ctx.llm.api === 'count_tokens') {
        // Answered here, with the same estimate the token limits reserve (docs/llm.md, "Token estimates").
        writeJson(ctx, 200, { input_tokens: estimatePromptTokens(ctx.llm.body, ctx.llm.model) });
        ctx.outcome.status = 200;
        return;
      }
      await tryCandidates(ctx, route, deps);
    },
  };
}

async function tryCandidates(ctx: LlmContext, route: LlmRoute, deps: LlmTargetDeps): Promise<void> {
  let last: AttemptFailure | undefined;
  let primary: { provider: string; failure: AttemptFailure } | undefined;
  let unsupported = 0;
  const candidates = candidateOrder(route);
  for (const target of candidates) {
    for (const key of deps.keys.order(target.provider)) {
      let call: PreparedCall;
      try {
        call = prepareCall(ctx.llm, target, key);
      } catch (err) {
        if (err instanceof TranslationError) throw translationError(err);
        if (!(err instanceof UnsupportedCallError || err instanceof ProviderConfigError)) throw err;
        unsupported++;
        break;
      }
      const attempt = await tryOnce(ctx, call, deps);
      if (attempt.ok) return;
      last = attempt.failure;
      primary ??= { provider: target.provider.name, failure: last };
      if (last.retry === 'none') throw withPrimary(last.error, primary, target.provider.name);
      if (last.retry === 'provider') break;
    }
  }
  if (last) throw withPrimary(exhausted(last, ctx.llm.result.attempts, ctx.llm.result.provider ?? route.name), primary, ctx.llm.result.provider);
  throw gatewayError('GW_ERR_LLM_UNSUPPORTED', route.name, `${ctx.llm.api} (${unsupported} provider(s) skipped)`);
}

async function tryOnce(ctx: LlmContext, call: PreparedCall, deps: LlmTargetDeps): Promise<Attempt> {
  const { provider, key } = call;
  const result = ctx.llm.result;
  result.attempts++;
  Object.assign(result, { provider: provider.name, upstreamModel: call.upstreamModel, key: key?.id });
  ctx.outcome.upstream = provider.name;
  const res = ctx.http!.res;
  const opened = await openCall(deps.dispatcher, call, res);
  if (!opened.ok) return fail(deps, call, opened.failure);
  if (ctx.llm.stream) {
    const outcome = await serveStream(ctx, call, opened.open);
    if (outcome.kind === 'client-gone') throw gatewayError('GW_ERR_DOWNSTREAM_DISCONNECT');
    if (outcome.kind === 'retryable') {
      const error = outcome.timedOut ? transportFailure(provider, new Error('timeout'), true).error : upstreamError(provider.name, outcome.error);
      return fail(deps, call, { error, retry: 'provider', keyFault: !outcome.timedOut && outcome.error.status >= 500 });
    }
    deps.keys.succeeded(provider, key);
    ctx.outcome.status = 200;
    if (outcome.kind === 'cut') {
      ctx.outcome.flag = 'UR';
      ctx.outcome.errorCode = 'GW_ERR_LLM_STREAM_CUT';
    }
    return { ok: true };
  }
  const read = await readJson(ctx, call, opened.open);
  if (clientGone(res)) throw gatewayError('GW_ERR_DOWNSTREAM_DISCONNECT');
  if (!read.ok) {
    const error =
      read.error instanceof TranslationError ? translationError(read.error)
      : isGatewayError(read.error) ? read.error
      : transportFailure(provider, read.error, opened.open.timedOut).error;
    return fail(deps, call, { error, retry: 'provider', keyFault: false });
  }
  deps.keys.succeeded(provider, key);
  result.usage = read.usage ?? undefined;
  writeJson(ctx, 200, read.body);
  ctx.outcome.status = 200;
  return { ok: true };
}

function fail(deps: LlmTargetDeps, call: PreparedCall, failure: AttemptFailure): Attempt {
  if (failure.keyFault) deps.keys.failed(call.provider, call.key, failure.retryAfterMs);
  return { ok: false, failure };
}

/**
 * When a fallback failed too, the client would only see the last provider's error; the primary's own error (its
 * status and message: a quota, a bad key) is usually the one to act on, so the message carries both.
 */
function withPrimary(err: GatewayError, primary: { provider: string; failure: AttemptFailure } | undefined, lastProvider: string | undefined): GatewayError {
  if (!primary || primary.provider === lastProvider) return err;
  const n = normalizedOf(err);
  const message = `${n.message} (primary provider ${primary.provider} failed first: ${normalizedOf(primary.failure.error).message})`;
  const def = { code: err.code, status: err.status, flag: err.flag, template: '%s' };
  return new GatewayError(def, [message], { cause: { ...n, message }, headers: err.headers });
}

/** The last failure, as the client sees it: an upstream's own error keeps its status (and Retry-After). */
function exhausted(last: AttemptFailure, attempts: number, provider: string): GatewayError {
  if (attempts <= 1 || last.error.code === 'GW_ERR_LLM_UPSTREAM_ERROR') return last.error;
  return gatewayError('GW_ERR_RETRIES_EXHAUSTED', provider, attempts);
}
