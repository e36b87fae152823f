import type { Db } from './db.js';
import type { AuditRepo } from './audit-repo.js';
import { SpecStore } from './spec-store.js';
import { configRegexProblem } from './config-regex.js';

/** One provider a route may send to. */
export interface LlmRouteTarget {
  provider: string;
  /** Upstream model; overrides the provider's model map. */
  model?: string;
  weight: number;
}

/** A stored LLM route (llm-route.schema.json), defaults filled in. */
export interface LlmRouteSpec {
  name: string;
  /** Requested model pattern. */
  model: string;
  /** Absent: prefix when `model` ends in '*', else exact. */
  match?: 'exact' | 'prefix' | 'regex';
  /** Consumer names or `group:NAME`; absent means everyone. */
  consumers?: string[];
  targets: LlmRouteTarget[];
  fallback: LlmRouteTarget[];
  priority: number;
  tokensPerMinute?: number;
  requestsPerMinute?: number;
  /** Tokens and/or USD per calendar day or month (UTC), per consumer or for the route (limitPer). */
  budget?: LlmBudgetSpec;
  limitPer: 'consumer' | 'route';
  /** What the route's limits do when the shared quota store (Redis) cannot answer (default: closed). */
  limitsOnStoreError?: 'closed' | 'open';
  defaultMaxTokens: number;
  enabled: boolean;
}

/** A route's budget (llm-route.schema.json `budget`): at least one of tokens and costUsd. */
export interface LlmBudgetSpec {
  period: 'day' | 'month';
  tokens?: number;
  costUsd?: number;
}

/** The match kind a route uses once defaults are applied. */
export function llmRouteMatchKind(route: Pick<LlmRouteSpec, 'model' | 'match'>): 'exact' | 'prefix' | 'regex' {
  return route.match ?? (route.model.endsWith('*') ? 'prefix' : 'exact');
}

/** LLM routes. Every provider a route names must exist, and a regex must compile. */
export function createLlmRoutesRepo(db: Db, audit: AuditRepo): SpecStore<LlmRouteSpec> {
  const providerExists = db.prepare('SELECT 1 FROM llm_providers WHERE name = ?');
  return new SpecStore<LlmRouteSpec>(db, audit, {
    table: 'llm_routes',
    kind: 'llmRoute',
    hooks: {
      check(route) {
        const problems: string[] = [];
        const refs = [...route.targets.map((t, i) => ['targets', i, t] as const), ...route.fallback.map((t, i) => ['fallback', i, t] as const)];
        for (const [field, i, t] of refs) {
          if (!providerExists.get(t.provider)) problems.push(`llmRoute.${field}[${i}].provider: no LLM provider named "${t.provider}"`);
        }
        if (route.targets.every((t) => t.weight === 0)) problems.push('llmRoute.targets: at least one target needs a weight above 0');
        const regexProblem = llmRouteMatchKind(route) === 'regex' ? configRegexProblem(route.model, 'llmRoute.model') : undefined;
        if (regexProblem) problems.push(regexProblem);
        if (route.budget && route.budget.tokens === undefined && route.budget.costUsd === undefined) problems.push('llmRoute.budget: needs tokens, costUsd or both');
        return problems;
      },
    },
  });
}
