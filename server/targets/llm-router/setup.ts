/** Wires the LLM router's long-lived parts for the gateway: one call, so gateway.ts needs only a few lines. */
import type { Dispatcher } from 'undici';
import type { Registry } from '../../../registry/index.js';
import type { Logger } from '../../observability/logger.js';
import type { GatewayMetrics } from '../../observability/metrics.js';
import type { Filter, RouteTarget, TargetKind } from '../../pipeline/index.js';
import type { RateLimitStore } from '../../rate-limit/index.js';
import type { KeyShare } from '../../shared-state/index.js';
import type { LlmCompileDeps } from '../../snapshot/compile-llm.js';
import { BodyBudget } from './body-budget.js';
import { createModelsProbe, KeyHealth } from './keys/index.js';
import { createLlmRouterTarget } from './router/index.js';
import { BudgetSeed, UsageRecorder } from './usage/index.js';

/** What {@link createLlmParts} needs. */
export interface LlmSetupInput {
  dispatcher: Dispatcher;
  registry: Registry;
  metrics: GatewayMetrics;
  log: Logger;
  leadingFilters: readonly Filter[];
  /** The gateway's target table; the llm-router target is added to it. */
  targets: Map<TargetKind, RouteTarget>;
  /** Request-body limits: per request (default 32 MiB) and for all requests in flight (default 64 MiB, see BodyBudget). */
  bodies?: { maxBodyBytes?: number; bufferedBodyBytes?: number };
  /** The gateway's quota store: LLM requests and tokens per minute spend it, like route and MCP limits. */
  rateLimits: RateLimitStore;
  /** Key ejections shared with other replicas (in process: nothing to share). */
  keyShare?: KeyShare;
  /** Whether the quota store forgets on restart (in process): budgets are then seeded from recorded usage. */
  seedBudgets?: boolean;
}

/** The parts that outlive snapshots, and the compile deps built from them. */
export interface LlmParts {
  keys: KeyHealth;
  usage: UsageRecorder;
  compileDeps: LlmCompileDeps;
}

/** Creates key health (with models probes), the body budget and the usage recorder; registers the target. */
export function createLlmParts(input: LlmSetupInput): LlmParts {
  const keys = new KeyHealth(createModelsProbe(input.dispatcher), input.keyShare);
  const usage = new UsageRecorder({ registry: input.registry, metrics: input.metrics, log: input.log });
  input.targets.set('llm-router', createLlmRouterTarget({ dispatcher: input.dispatcher, keys }));
  const bodies = { maxBytes: input.bodies?.maxBodyBytes ?? 32 * 1024 * 1024, budget: new BodyBudget(input.bodies?.bufferedBodyBytes ?? 64 * 1024 * 1024) };
  const budgetSeed = input.seedBudgets ? new BudgetSeed(input.registry) : undefined;
  return { keys, usage, compileDeps: { leadingFilters: input.leadingFilters, targets: input.targets, rateLimits: input.rateLimits, usage, budgetSeed, bodies } };
}
