/**
 * Token and cost budgets of an LLM route per calendar day or month (UTC), per consumer or for the whole route.
 * Like the per-minute token limit, a call *reserves* before it runs (prompt estimate + max_tokens, priced at the
 * dearest target it may reach) and is settled to the provider's usage after it, released in full when nothing
 * ran; the counters are the one quota store's (atomic in Redis), so concurrent calls on any number of replicas
 * overshoot a budget by at most one reservation. LiteLLM charges budgets only after the fact
 * (llm-gateway-peers §2.1), which lets every call in flight overshoot.
 */
import { GatewayError, errors } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';
import { chargeGuarded, settleSafely, type PeriodDecision, type PeriodRule, type RateLimitStore } from '../rate-limit/index.js';
import { costUsd, highestPrice, servedPrice, type PricedTarget } from '../targets/llm-router/pricing.js';
import type { ModelPrice } from '../../registry/index.js';
import { llmOf, type LlmRoute, type RouteBudget } from '../targets/llm-router/router/index.js';
import type { BudgetSeed } from '../targets/llm-router/usage/index.js';
import { completionReserve, promptEstimate, spentTokens, type SpentTokens } from './llm-reservation.js';

/** The long-lived quota store, and (in process only) the seed of counters from recorded usage. */
export interface LlmBudgetDeps {
  readonly store: RateLimitStore;
  readonly seed?: BudgetSeed;
}

type Unit = 'tokens' | 'costUsd';

/** One counter a call charges: which, by how much, and (once charged) in which period. */
interface Charge {
  readonly unit: Unit;
  readonly key: string;
  readonly rule: PeriodRule;
  readonly amount: number;
  periodId: string;
}

/** The budget filter; the budget is the matched route's (`ctx.route.limits.budget`). */
export function llmBudget(deps: LlmBudgetDeps): Filter {
  return async function enforceLlmBudget(ctx, next) {
    const route = ctx.route as LlmRoute | undefined;
    const llm = llmOf(ctx);
    const budget = route?.limits.budget;
    if (!route || !budget || llm.api === 'models' || llm.api === 'count_tokens') return next();
    const who = route.limits.per === 'route' ? undefined : (ctx.consumer?.name ?? '');
    const prompt = promptEstimate(llm);
    const reserved = { prompt, completion: completionReserve(llm, route.limits.defaultMaxTokens) };
    const targets = allTargets(route);
    const dearest = budget.costUsd ? highestPrice(targets, llm.model) : undefined;
    const cost = (t: SpentTokens, price = dearest) => (price ? costUsd(price, t.prompt, t.completion) : 0);
    const charges = plan(budget, { route: route.name, who, tokens: reserved.prompt + reserved.completion, costUsd: cost(reserved) });
    await chargeAll(deps, charges, { route, who });
    try {
      await next();
    } finally {
      const used = spentTokens(llm, prompt, ctx.outcome.status);
      const served = servedPrice(targets, llm.result.provider ?? '', llm.result.upstreamModel ?? '');
      const actual = { tokens: used.prompt + used.completion, costUsd: cost(used, served) };
      for (const c of charges) await settleSafely(deps.store, c.key, { rule: c.rule, periodId: c.periodId, amount: actual[c.unit] - c.amount });
    }
  };
}

/** The counters a call charges, tokens first. */
function plan(budget: RouteBudget, call: { route: string; who: string | undefined; tokens: number; costUsd: number }): Charge[] {
  const id = `budget:${call.route}\0${call.who ?? '*'}\0${budget.period}`;
  const out: Charge[] = [];
  if (budget.tokens) out.push({ unit: 'tokens', key: `${id}\0t`, rule: budget.tokens, amount: call.tokens, periodId: '' });
  if (budget.costUsd) out.push({ unit: 'costUsd', key: `${id}\0c`, rule: budget.costUsd, amount: call.costUsd, periodId: '' });
  return out;
}

/** Charges every counter (seeding it first in process); a refusal releases what was charged and throws 429. */
async function chargeAll(deps: LlmBudgetDeps, charges: Charge[], at: { route: LlmRoute; who: string | undefined }): Promise<void> {
  const subject = `LLM route ${at.route.name} budget`;
  const onStoreError = at.route.limits.onStoreError;
  const done: Charge[] = [];
  try {
    for (const c of charges) {
      if (deps.seed) await seed(deps, c, at);
      const d = await chargeGuarded(deps.store, { key: c.key, rule: c.rule, amount: c.amount, onStoreError, subject });
      if (!d.allowed) throw exceeded(c, d, at);
      c.periodId = d.periodId;
      done.push(c);
    }
  } catch (err) {
    for (const c of done) await settleSafely(deps.store, c.key, { rule: c.rule, periodId: c.periodId, amount: -c.amount });
    throw err;
  }
}

/** Adds what the registry recorded this period before the gateway started, before a counter's first charge. */
async function seed(deps: LlmBudgetDeps, c: Charge, at: { route: LlmRoute; who: string | undefined }): Promise<void> {
  const targets = allTargets(at.route);
  // Priced only when a recorded row needs it: after its first call a counter takes nothing from the seed.
  let dearest: ModelPrice | undefined | null = null;
  const { amount, periodId } = deps.seed!.take(c.key, {
    period: c.rule.period,
    route: at.route.name,
    consumer: at.who,
    amountOf: (row) => {
      if (c.unit === 'tokens') return row.promptTokens + row.completionTokens;
      if (dearest === null) dearest = highestPrice(targets, '\0any model');
      const price = servedPrice(targets, row.provider, row.model) ?? dearest;
      return price ? costUsd(price, row.promptTokens, row.completionTokens) : 0;
    },
  });
  await settleSafely(deps.store, c.key, { rule: c.rule, periodId, amount });
}

function exceeded(c: Charge, d: PeriodDecision, at: { route: LlmRoute; who: string | undefined }): GatewayError {
  const unit = c.unit === 'tokens' ? 'tokens' : 'USD';
  const suffix = c.unit === 'tokens' ? 'tokens' : 'usd';
  const show = (n: number) => String(c.unit === 'tokens' ? Math.ceil(n) : Number(n.toFixed(6)));
  const reset = new Date(d.resetAt).toISOString();
  const whom = at.who === undefined ? 'the whole route' : at.who === '' ? 'anonymous callers' : `consumer ${at.who}`;
  const period = c.rule.period === 'day' ? 'daily' : 'monthly';
  const args = [period, show(c.rule.limit), unit, at.route.name, whom, show(d.used), show(c.amount), reset];
  return new GatewayError(errors.GW_ERR_LLM_BUDGET_EXCEEDED, args, {
    headers: {
      'retry-after': String(Math.max(1, Math.ceil((d.resetAt - Date.now()) / 1000))),
      'x-budget-period': c.rule.period,
      [`x-budget-limit-${suffix}`]: show(c.rule.limit),
      [`x-budget-remaining-${suffix}`]: show(Math.max(0, c.rule.limit - d.used)),
      'x-budget-reset': reset,
    },
  });
}

/** Every place a route may send a call: its targets, then its fallbacks. */
function allTargets(route: LlmRoute): PricedTarget[] {
  return [...route.targets, ...route.fallback];
}
