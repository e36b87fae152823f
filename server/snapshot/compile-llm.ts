import type { LlmProviderSpec, LlmRouteSpec, LlmRouteTarget, Registry } from '../../registry/index.js';
import { llmRouteMatchKind } from '../../registry/index.js';
import { buildChain, dispatch, type Filter, type GatewayContext, type RouteTarget, type TargetKind } from '../pipeline/index.js';
import { compileModelMap } from '../targets/llm-router/model-map.js';
import { getProvider } from '../targets/llm-router/providers/index.js';
import { highestPrice, upstreamModel } from '../targets/llm-router/pricing.js';
import { type CompiledProvider, type CompiledTarget, type ListedModel, type LlmRoute, type RouteBudget } from '../targets/llm-router/router/index.js';
import { ModelRouter } from '../routing/model-router.js';
import { encodersReady, loadEncoders, preloadEncoders } from '../targets/llm-router/tokens/index.js';
import type { BudgetSeed, UsageRecorder } from '../targets/llm-router/usage/index.js';
import { auth, CLIENT_KEY_AUTH } from '../filters/auth.js';
import { llmBody, type LlmBodyConfig, type LlmBodyDeps } from '../filters/llm-body.js';
import { llmBudget } from '../filters/llm-budget.js';
import { llmLimits } from '../filters/llm-limits.js';
import { llmRouteMatch } from '../filters/llm-route-match.js';
import { llmUsage } from '../filters/llm-usage.js';
import { bucketRule, type RateLimitStore } from '../rate-limit/index.js';
import type { PartCompile } from './part-compile.js';

/** Long-lived pieces the LLM part is built with (their state survives snapshot swaps). */
export interface LlmCompileDeps {
  /** Filters that run first (observability). */
  readonly leadingFilters: readonly Filter[];
  readonly targets: ReadonlyMap<TargetKind, RouteTarget>;
  /** The gateway's quota store (route, MCP and LLM limits all spend it). */
  readonly rateLimits: RateLimitStore;
  readonly usage: UsageRecorder;
  /** In process only: budget counters start from the usage recorded before the gateway started. */
  readonly budgetSeed?: BudgetSeed;
  /** The per-request body limit and the allowance all bodies in flight share. */
  readonly bodies: LlmBodyConfig & LlmBodyDeps;
}

/** The LLM router's part of a snapshot. */
export interface LlmSnapshot {
  /** Runs the `llm` chain of server/pipeline/chains.ts for one call. */
  readonly handle: (ctx: GatewayContext) => Promise<void>;
  readonly routeCount: number;
  readonly providerCount: number;
}

/** The LLM routing table of a snapshot, before it is wrapped in a pipeline. */
export interface LlmTable {
  readonly router: ModelRouter<LlmRoute>;
  readonly modelsRoute: LlmRoute;
  readonly routeCount: number;
  readonly providerCount: number;
  /** Whether a served route has a token limit (the BPE encoders must be loaded before it serves). */
  readonly needsEncoders: boolean;
}

/** Compiles LLM providers (decrypting their keys) and routes; appends a message to `problems` for every bad row. */
export function compileLlm(part: PartCompile, deps: LlmCompileDeps): LlmSnapshot {
  const table = compileLlmTable(part.registry, part.problems);
  // Token limits estimate prompts with BPE, whose rank tables take seconds of CPU and ~150 MB to load: loaded
  // before the snapshot serves, never inside a request, and not at all for a gateway without token limits (nor
  // for a write-time config check). On a live reload the snapshot manager has loaded them off the loop already
  // (encodersToLoad); only the first compile at startup, before the gateway listens, loads them here.
  if (table.needsEncoders) preloadEncoders();
  const { router, modelsRoute } = table;
  const handle = buildChain('llm', {
    observability: deps.leadingFilters,
    'llm-body': llmBody({ maxBytes: deps.bodies.maxBytes }, { budget: deps.bodies.budget }),
    auth: auth(CLIENT_KEY_AUTH, { directory: part.consumers }, 'always'),
    'llm-route-match': llmRouteMatch({ router, modelsRoute }),
    'llm-usage': llmUsage({ recorder: deps.usage }),
    'llm-limits': llmLimits({ store: deps.rateLimits }),
    'llm-budget': llmBudget({ store: deps.rateLimits, seed: deps.budgetSeed }),
    dispatch: dispatch(deps.targets),
  });
  return { handle, routeCount: table.routeCount, providerCount: table.providerCount };
}

/**
 * The BPE tables' load, when an enabled route has a token limit and they are not loaded yet: the snapshot
 * manager's `prepare`, so a live reload does not parse them on the event loop.
 */
export function encodersToLoad(registry: Registry): Promise<void> | undefined {
  if (encodersReady()) return undefined;
  return registry.llmRoutes.listChecked().values.some(countsTokens) ? loadEncoders() : undefined;
}

/** Whether a route estimates prompt tokens (a token limit or a budget reserves them). */
function countsTokens(r: LlmRouteSpec): boolean {
  return r.enabled && (r.tokensPerMinute !== undefined || r.budget !== undefined);
}

/**
 * Providers and routes into a model router; a bad provider or route is held back (left out, a message in
 * `problems`), with the routes that send to a held-back provider. Also the write-time check of LLM entities.
 */
export function compileLlmTable(registry: Registry, problems: string[]): LlmTable {
  const providerRows = registry.llmProviders.listChecked();
  const routeRows = registry.llmRoutes.listChecked();
  problems.push(...providerRows.problems, ...routeRows.problems);
  const providers = new Map<string, CompiledProvider>();
  for (const p of providerRows.values) {
    const compiled = compileProvider(registry, p, problems);
    if (compiled) providers.set(p.name, compiled);
  }
  const router = new ModelRouter<LlmRoute>();
  const candidates = new Set<string>();
  let routeCount = 0;
  for (const spec of routeRows.values) {
    if (!spec.enabled) continue;
    const route = compileRoute(spec, providers, problems);
    if (!route) continue;
    const kind = llmRouteMatchKind(spec);
    try {
      router.add({ name: spec.name, model: spec.model, kind, consumers: spec.consumers, priority: spec.priority }, route);
    } catch (err) {
      // A regex stored before RE2 checked it at write time: hold this route back, serve the others.
      problems.push(`llmRoute "${spec.name}": ${(err as Error).message}`);
      continue;
    }
    if (kind === 'exact') candidates.add(spec.model);
    else for (const id of mappedNames(spec, providerRows.values)) candidates.add(id);
    routeCount++;
  }
  const modelsRoute: LlmRoute = Object.freeze({
    name: 'llm-models',
    target: Object.freeze({ kind: 'llm-router' as const }),
    targets: [],
    fallback: [],
    limits: Object.freeze({ per: 'route' as const, onStoreError: 'closed' as const, defaultMaxTokens: 0 }),
    models: modelLister(router, [...candidates].sort()),
  });
  const needsEncoders = routeRows.values.some(countsTokens);
  return { router, modelsRoute, routeCount, providerCount: providers.size, needsEncoders };
}

/**
 * Names a prefix or regex route can list: the literal (non-pattern) model-map keys of the providers it sends
 * to. A pattern alone names no model, and inventing names from it would list models nobody serves.
 */
function mappedNames(spec: LlmRouteSpec, providers: readonly LlmProviderSpec[]): string[] {
  const used = new Set([...spec.targets, ...spec.fallback].map((t) => t.provider));
  const names: string[] = [];
  for (const p of providers) {
    if (!used.has(p.name)) continue;
    for (const [from] of p.modelMap) if (from !== '*' && !from.startsWith('~') && !from.endsWith('*')) names.push(from);
  }
  return names;
}

/** `GET /v1/models` for one caller: each candidate the caller's own route match would serve, owned by its provider. */
function modelLister(router: ModelRouter<LlmRoute>, candidates: readonly string[]): NonNullable<LlmRoute['models']> {
  return (consumer) => {
    const out: ListedModel[] = [];
    for (const id of candidates) {
      const route = router.match({ model: id, consumer });
      if (route) out.push({ id, ownedBy: route.targets[0]!.provider.name });
    }
    return out;
  };
}

function compileProvider(registry: Registry, p: LlmProviderSpec, problems: string[]): CompiledProvider | undefined {
  const where = `llmProvider "${p.name}"`;
  const spec = getProvider(p.type);
  if (!spec) {
    problems.push(`${where}: llmProvider.type: unknown provider type "${p.type}"`);
    return undefined;
  }
  const found = problems.length;
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
  if (problems.length > found) return undefined;
  return Object.freeze({
    name: p.name,
    spec,
    baseUrl: p.baseUrl,
    keys: Object.freeze(keys),
    mapModel,
    settings: Object.freeze({ apiVersion: p.apiVersion, deployment: p.deployment }),
    timeoutMs: p.timeoutMs,
    idleTimeoutMs: p.idleTimeoutMs,
    maxResponseBytes: p.maxResponseBytes,
    ejectAfterFailures: p.ejectAfterFailures,
    probeIntervalMs: p.probeIntervalMs,
    prices: Object.freeze({ ...p.prices }),
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
  const budget = spec.budget && compileBudget(spec, [...targets, ...fallback] as CompiledTarget[], problems);
  if (budget === null) return undefined;
  return Object.freeze({
    name: spec.name,
    target: Object.freeze({ kind: 'llm-router' as const }),
    targets: Object.freeze(targets as CompiledTarget[]),
    fallback: Object.freeze(fallback as CompiledTarget[]),
    limits: Object.freeze({
      tokenRule: spec.tokensPerMinute ? bucketRule({ requests: spec.tokensPerMinute, per: 'minute' }) : undefined,
      requestRule: spec.requestsPerMinute ? bucketRule({ requests: spec.requestsPerMinute, per: 'minute' }) : undefined,
      per: spec.limitPer,
      onStoreError: spec.limitsOnStoreError ?? 'closed',
      defaultMaxTokens: spec.defaultMaxTokens,
      budget,
    }),
  });
}

/**
 * A route's budget rules; null (and a problem) when it has a cost budget and a target it may call has no price:
 * a cost that cannot be computed cannot be enforced, so such a route is refused at write time, not served.
 */
function compileBudget(spec: LlmRouteSpec, targets: readonly CompiledTarget[], problems: string[]): RouteBudget | null {
  const { period, tokens, costUsd } = spec.budget!;
  if (costUsd !== undefined) {
    // An exact route calls one requested model, mapped per provider; a pattern route may call any, so only
    // a fixed target model or the provider's '*' price covers it.
    const requested = llmRouteMatchKind(spec) === 'exact' ? spec.model : '\0any model';
    for (const t of targets) {
      if (highestPrice([t], requested)) continue;
      const model = t.model ?? (requested.startsWith('\0') ? undefined : upstreamModel(t, requested));
      const what = model ? `model "${model}"` : `every model (a '*' price: the route's model is a pattern)`;
      problems.push(`llmRoute "${spec.name}": llmRoute.budget.costUsd: provider "${t.provider.name}" has no price for ${what}; add llmProvider.prices (agate llm provider add --price MODEL=IN/OUT)`);
      return null;
    }
  }
  return Object.freeze({
    period,
    tokens: tokens === undefined ? undefined : Object.freeze({ limit: tokens, period }),
    costUsd: costUsd === undefined ? undefined : Object.freeze({ limit: costUsd, period }),
  });
}
