/** The provider catalogue: id → spec. Adding a provider is adding a folder and one line here. */
import { openai } from './openai/index.js';
import { azure } from './azure/index.js';
import { anthropic } from './anthropic/index.js';
import { gemini } from './gemini/index.js';
import { qwen } from './qwen/index.js';
import { deepseek } from './deepseek/index.js';
import { moonshot } from './moonshot/index.js';
import { zhipuai } from './zhipuai/index.js';
import { doubao } from './doubao/index.js';
import { baidu } from './baidu/index.js';
import { minimax } from './minimax/index.js';
import { mistral } from './mistral/index.js';
import { groq } from './groq/index.js';
import { grok } from './grok/index.js';
import { openrouter } from './openrouter/index.js';
import { togetherAi } from './together-ai/index.js';
import { fireworks } from './fireworks/index.js';
import { ollama } from './ollama/index.js';
import { vllm } from './vllm/index.js';
import { generic } from './generic/index.js';
import type { ProviderSpec } from './types.js';

/** Every built-in provider, keyed by id. */
export const PROVIDERS: ReadonlyMap<string, ProviderSpec> = new Map(
  [
  openai,
  azure,
  anthropic,
  gemini,
  qwen,
  deepseek,
  moonshot,
  zhipuai,
  doubao,
  baidu,
  minimax,
  mistral,
  groq,
  grok,
  openrouter,
  togetherAi,
  fireworks,
  ollama,
  vllm,
  generic,
  ].map((spec) => [spec.id, spec]),
);

/** Looks a provider up by id. */
export function getProvider(id: string): ProviderSpec | undefined {
  return PROVIDERS.get(id);
}

export { buildUpstreamTarget, ProviderConfigError } from './build-target.js';
export type { BuildTargetInput, UpstreamTarget } from './build-target.js';
export { openAiCompatible, OPENAI_PATHS, BEARER_AUTH } from './openai-compatible.js';
export type { OpenAiCompatibleInit } from './openai-compatible.js';
export { defineProvider } from './types.js';
export type {
  AuthSpec,
  EndpointInput,
  EndpointKind,
  PathBuilder,
  ProviderCapabilities,
  ProviderProtocol,
  ProviderSettings,
  ProviderSpec,
} from './types.js';
