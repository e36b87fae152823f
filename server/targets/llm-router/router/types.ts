/** Types shared by the LLM ingress, the LLM filters and the llm-router target. */
import type { ModelPrice } from '../../../../registry/index.js';
import type { BucketRule, BudgetPeriod, OnStoreError, PeriodRule } from '../../../rate-limit/index.js';
import type { GatewayContext, RouteRef } from '../../../pipeline/index.js';
import type { ModelMapper } from '../model-map.js';
import type { ProviderSettings, ProviderSpec } from '../providers/index.js';
import type { OpenAiUsage } from '../translate/index.js';

/** The operation a client called. */
export type LlmApi = 'chat' | 'messages' | 'count_tokens' | 'embeddings' | 'responses' | 'models';

/** The API shape answers and errors take: the one the client called. */
export type ClientProtocol = 'openai' | 'anthropic';

/** One provider key, decrypted at compile time. `id` names it in logs and key-health state, never the value. */
export interface ProviderKey {
  readonly id: string;
  readonly value: string;
}

/** A provider as compiled into a snapshot. */
export interface CompiledProvider {
  readonly name: string;
  readonly spec: ProviderSpec;
  readonly baseUrl?: string;
  readonly keys: readonly ProviderKey[];
  readonly mapModel: ModelMapper;
  readonly settings: ProviderSettings;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Largest non-streamed answer read whole, bytes. */
  readonly maxResponseBytes: number;
  readonly ejectAfterFailures: number;
  readonly probeIntervalMs: number;
  /** USD per 1M tokens by upstream model ('*': any other); empty when none are configured. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
}

/** One place a route may send a request. */
export interface CompiledTarget {
  readonly provider: CompiledProvider;
  /** Fixed upstream model; otherwise the provider's model map decides. */
  readonly model?: string;
  readonly weight: number;
}

/** Token and request limits of a route. */
export interface RouteLimits {
  /** Tokens per minute as a bucket, built once per route (a request only spends it); `tokens` is the limit. */
  readonly tokenRule?: BucketRule;
  /** Requests per minute, likewise. */
  readonly requestRule?: BucketRule;
  readonly per: 'consumer' | 'route';
  /** When the shared quota store cannot answer: refuse (the default for quotas) or admit. */
  readonly onStoreError: OnStoreError;
  /** Completion tokens reserved when the request sets no max_tokens. */
  readonly defaultMaxTokens: number;
  /** Tokens and/or USD per calendar period, counted like the other limits (`per`). */
  readonly budget?: RouteBudget;
}

/** A route's budget as compiled: one counter rule per unit it limits. */
export interface RouteBudget {
  readonly period: BudgetPeriod;
  /** Total tokens per period. */
  readonly tokens?: PeriodRule;
  /** USD per period (every target of the route has a price: checked at compile time). */
  readonly costUsd?: PeriodRule;
}

/** A model listed by `GET /v1/models`. */
export interface ListedModel {
  readonly id: string;
  readonly ownedBy: string;
}

/** An LLM route in a snapshot: what `dispatch` and the llm-router target need. */
export interface LlmRoute extends RouteRef {
  readonly target: { readonly kind: 'llm-router' };
  readonly targets: readonly CompiledTarget[];
  readonly fallback: readonly CompiledTarget[];
  readonly limits: RouteLimits;
  /** Set on the synthetic route that answers `GET /v1/models`: the models this consumer (or anonymous caller) can call. */
  readonly models?: (consumer: GatewayContext['consumer']) => readonly ListedModel[];
}

/** What the router learnt while serving a request; the limit filter settles with it, the log records it. */
export interface LlmResult {
  provider?: string;
  upstreamModel?: string;
  key?: string;
  attempts: number;
  /** Usage in the OpenAI convention; absent when the upstream never reported it. */
  usage?: OpenAiUsage;
  /** Characters of generated text, to estimate completion tokens when no usage arrived. */
  outputChars: number;
  /** Time to the first byte written to the client, ms (streams). */
  ttftMs?: number;
  /** Chunks written to the client (streams). */
  chunks: number;
}

/** The parsed LLM call, set by the `llm-body` filter. */
export interface LlmRequest {
  readonly api: LlmApi;
  readonly protocol: ClientProtocol;
  /** The parsed JSON body (`{}` for GET). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The model the client asked for. */
  readonly model: string;
  readonly stream: boolean;
  readonly result: LlmResult;
}

/** The LLM operation a request is for, as the ingress read it from the method and path. */
export interface LlmEndpoint {
  readonly api: LlmApi;
  readonly protocol: ClientProtocol;
}

/** A GatewayContext on an LLM endpoint: `llmEndpoint` is set by the ingress, `llm` by the `llm-body` filter. */
export interface LlmExchangeContext extends GatewayContext {
  readonly llmEndpoint: LlmEndpoint;
  llm?: LlmRequest;
}

/** A GatewayContext carrying a parsed LLM call (past the `llm-body` filter): what later filters and the target see. */
export interface LlmContext extends LlmExchangeContext {
  readonly llm: LlmRequest;
}

/** The LLM fields of a context; throws if a non-LLM request reached an LLM filter (a wiring bug). */
export function llmOf(ctx: GatewayContext): LlmRequest {
  const llm = (ctx as Partial<LlmContext>).llm;
  if (!llm) throw new Error('LLM filter ran on a request without ctx.llm');
  return llm;
}
