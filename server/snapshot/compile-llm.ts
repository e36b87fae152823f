import type { LlmProviderSpec, LlmRouteSpec, LlmRouteTarget, Registry } from '../../registry/index.js';
import { llmRouteMatchKind } from '../../registry/index.js';
import type { ConsumerDirectory } from '../auth/index.js';
import { buildPipeline, type Filter, type GatewayContext, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { compileModelMap } from '../targets/llm-router/model-map.js';
import { getProvider } from '../targets/llm-router/providers/index.js';
import { llmRouteMatch, ModelRouter, type CompiledProvider, type CompiledTarget, type ListedModel, type LlmRoute } from '../targets/llm-router/router/index.js';
import { llmAuth } from '../targets/llm-router/router/llm-auth.js';
import { llmLimits, type TokenBuckets } from '../targets/llm-router/limits/index.js';
import { llmUsage, type UsageRecorder } from '../targets/llm-router/usage/index.js';

/** Long-lived pieces the LLM part is built with (their state survives snapshot swaps). */
export interface LlmCompileDeps {
  /** Filters that run first (observability). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  readonly buckets: TokenBuckets;
  readonly usage: UsageRecorder;
}

/** The LLM router's part of a snapshot. */
export interface LlmSnapshot {
  /** Runs the LLM pipeline (observability → auth → model route → usage → limits → dispatch). */
  readonly handle: (ctx: GatewayContext) => Promise<void>;
  readonly routeCount: number;
  readonly providerCount: number;
}

/** Compiles LLM providers (decrypting their keys) and routes; appends a message to `problems` for every bad row. */
export function compileLlm(registry: Registry, deps: LlmCompileDeps, directory: ConsumerDirectory | undefined, problems: string[]): LlmSnapshot {
  const providerRows = registry.llmProviders.listChecked();
  const routeRows = registry.llmRoutes.listChecked();
  problems.push(...providerRows.problems, ...routeRows.problems);
  const providers = new Map<string, CompiledProvider>();
  for (const p of providerRows.values) {
    const compiled = compileProvider(registry, p, problems);
    if (compiled) providers.set(p.name, compiled);
  }
  const router = new ModelRouter<LlmRoute>();
  const models: ListedModel[] = [];
  let routeCount = 0;
  for (const spec of routeRows.values) {
    if (!spec.enabled) continue;
    const route = compileRoute(spec, providers, problems);
    if (!route) continue;
    const kind = llmRouteMatchKind(spec);
    router.add({ name: spec.name, model: spec.model, kind, consumers: spec.consumers, priority: spec.priority }, route);
    if (kind === 'exact') models.push({ id: spec.model, ownedBy: route.targets[0]!.provider.name });
    routeCount++;
  }
  const modelsRoute: LlmRoute = Object.freeze({
    name: 'llm-models',
    target: Object.freeze({ kind: 'llm-router' as const }),
    targets: [],
    fallback: [],
    limits: Object.freeze({ per: 'route' as const, defaultMaxTokens: 0 }),
    models: Object.freeze(models.sort((a, b) => a.id.localeCompare(b.id))),
  });
  const filters = [...deps.leadingFilters, ...(directory ? [llmAuth(directory)] : []), llmRouteMatch(router, modelsRoute), llmUsage(deps.usage), llmLimits(deps.buckets)];
  return { handle: buildPipeline(filters, deps.targets), routeCount, providerCount: providers.size };
}

function compileProvider(registry: Registry, p: LlmProviderSpec, problems: string[]): CompiledProvider | undefined {
  const where = `llmProvider "${p.name}"`;
  const spec = getProvider(p.type);
  if (!spec) {
    problems.push(`${where}: llmProvider.type: unknown provider type "${p.type}"`);
    return undefined;
  }
  if (!spec.defaultBaseUrl && !p.baseUrl) problems.push(`${where}: llmProvider.baseUrl: is required for type "${p.type}"`);
  const keys = p.keySecrets.map((id) => {
    const value = registry.secrets.get(id);
    if (value === undefined) problems.push(`${where}: llmProvider.keySecrets: no secret named "${id}"`);
    return Object.freeze({ id, value: value ?? '' });
  });
  let mapModel;
  try {
    mapModel = compileModelMap(p.modelMap);
  } catch (err) {
    problems.push(`${where}: llmProvider.modelMap: ${(err as Error).message}`);
    return undefined;
  }
  return Object.freeze({
    name: p.name,
    spec,
    baseUrl: p.baseUrl,
    keys: Object.freeze(keys),
    mapModel,
    settings: Object.freeze({ apiVersion: p.apiVersion, deployment: p.deployment }),
    timeoutMs: p.timeoutMs,
    idleTimeoutMs: p.idleTimeoutMs,
    ejectAfterFailures: p.ejectAfterFailures,
    probeIntervalMs: p.probeIntervalMs,
  });
}

function compileRoute(spec: LlmRouteSpec, providers: ReadonlyMap<string, CompiledProvider>, problems: string[]): LlmRoute | undefined {
  const resolve = (field: string) => (t: LlmRouteTarget, i: number): CompiledTarget | undefined => {
    const provider = providers.get(t.provider);
    if (!provider) problems.push(`llmRoute "${spec.name}": llmRoute.${field}[${i}].provider: no LLM provider named "${t.provider}"`);
    return provider && Object.freeze({ provider, model: t.model, weight: t.weight });
  };
  const targets = spec.targets.map(resolve('targets'));
  const fallback = spec.fallback.map(resolve('fallback'));
  if (targets.some((t) => !t) || fallback.some((t) => !t)) return undefined;
  return Object.freeze({
    name: spec.name,
    target: Object.freeze({ kind: 'llm-router' as const }),
    targets: Object.freeze(targets as CompiledTarget[]),
    fallback: Object.freeze(fallback as CompiledTarget[]),
    limits: Object.freeze({
      tokensPerMinute: spec.tokensPerMinute,
      requestsPerMinute: spec.requestsPerMinute,
      per: spec.limitPer,
      defaultMaxTokens: spec.defaultMaxTokens,
    }),
  });
}
