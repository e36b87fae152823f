/**
 * Requests- and tokens-per-minute limits of an LLM route. Tokens are *reserved* before the call (prompt
 * estimate + max_tokens) and settled to real usage after it, so concurrent long streams cannot overshoot the
 * limit by more than one request's reservation (llm-gateway-peers §5; peers only charge after the fact).
 */
import { GatewayError, errors } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
import { giveSafely, takeGuarded, type RateLimitStore } from '../rate-limit/index.js';
import { llmOf, type LlmRoute } from '../targets/llm-router/router/index.js';
import { completionReserve, promptEstimate, spentTokens } from './llm-reservation.js';

/** What the limit filter spends: the gateway's long-lived quota store (it survives snapshot swaps). */
export interface LlmLimitsDeps {
  readonly store: RateLimitStore;
}

/** The limit filter; the limits themselves are the matched route's (`ctx.route.limits`). */
export function llmLimits(deps: LlmLimitsDeps): Filter {
  const store = deps.store;
  return async function limitLlm(ctx, next) {
    const route = ctx.route as LlmRoute | undefined;
    const llm = llmOf(ctx);
    const limits = route?.limits;
    if (!route || !limits || llm.api === 'models' || llm.api === 'count_tokens') return next();
    const { requestRule, tokenRule, onStoreError } = limits;
    if (!requestRule && !tokenRule) return next();
    const id = `llm:${route.name}\0${limits.per === 'route' ? '*' : (ctx.consumer?.name ?? '')}`;
    const subject = `LLM route ${route.name}`;
    if (requestRule) {
      const t = await takeGuarded(store, { key: `${id}\0r`, rule: requestRule, onStoreError, subject });
      if (!t.allowed) throw limited('GW_ERR_RATE_LIMITED', [route.name], { ...t, limit: requestRule.tokens, unit: 'requests' });
    }
    if (!tokenRule) return next();
    const tpm = tokenRule.tokens;
    const prompt = promptEstimate(llm);
    const reserved = prompt + completionReserve(llm, limits.defaultMaxTokens);
    const t = await takeGuarded(store, { key: `${id}\0t`, rule: tokenRule, spend: { amount: reserved }, onStoreError, subject });
    if (!t.allowed) {
      if (requestRule) await giveSafely(store, { key: `${id}\0r`, rule: requestRule, spend: { amount: 1 } });
      throw limited('GW_ERR_LLM_TOKEN_LIMIT', [tpm, route.name], { ...t, limit: tpm, unit: 'tokens' });
    }
    try {
      await next();
    } finally {
      const used = spentTokens(llm, prompt, ctx.outcome.status);
      await giveSafely(store, { key: `${id}\0t`, rule: tokenRule, spend: { amount: reserved - used.prompt - used.completion } });
    }
  };
}

/** What a refusal's headers say: the bucket's answer, its limit and its unit (`requests` or `tokens`). */
interface Refused {
  readonly retryAfterMs: number;
  readonly remaining: number;
  readonly limit: number;
  readonly unit: string;
}

function limited(code: 'GW_ERR_RATE_LIMITED' | 'GW_ERR_LLM_TOKEN_LIMIT', args: unknown[], refused: Refused): GatewayError {
  const { retryAfterMs, remaining, limit, unit } = refused;
  return new GatewayError(errors[code], args, {
    headers: {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      [`x-ratelimit-limit-${unit}`]: String(limit),
      [`x-ratelimit-remaining-${unit}`]: String(remaining),
    },
  });
}
