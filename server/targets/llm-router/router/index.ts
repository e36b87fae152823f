export { createLlmRouterTarget, type LlmTargetDeps } from './llm-target.js';
export { toLlmGatewayError, normalizedOf } from './errors.js';
export { llmOf } from './types.js';
export type {
  ClientProtocol,
  CompiledProvider,
  CompiledTarget,
  ListedModel,
  LlmApi,
  LlmContext,
  LlmEndpoint,
  LlmExchangeContext,
  LlmRequest,
  LlmResult,
  LlmRoute,
  ProviderKey,
  RouteBudget,
  RouteLimits,
} from './types.js';
