/**
 * Builds one upstream call: picks the translation for (API the client called × protocol the provider speaks),
 * maps the model, and adds the provider's auth. The client's own credentials are never copied upstream.
 */
import type { EndpointKind } from '../providers/index.js';
import {
  anthropicToOpenAiRequest,
  openAiToAnthropicRequest,
  openAiToGeminiRequest,
  withIncludeUsage,
  type AnthropicRequest,
  type OpenAiChatRequest,
  type ToolNameMap,
} from '../translate/index.js';
import type { CompiledProvider, CompiledTarget, LlmRequest, ProviderKey } from './types.js';
import { upstreamAddress, type UpstreamAddress } from './upstream-address.js';

/** How the upstream's answer is read back: its protocol, or raw pass-through for Responses and embeddings. */
export type UpstreamMode = 'openai' | 'anthropic' | 'gemini' | 'passthrough';

/** A ready-to-send upstream call and what its response translation needs. */
export interface PreparedCall {
  /** The provider it goes to (its timeouts, response cap and key health travel with the call). */
  provider: CompiledProvider;
  /** The provider key it uses; undefined for a provider without keys. */
  key: ProviderKey | undefined;
  /** Where it goes, with the provider's headers and auth. */
  address: UpstreamAddress;
  body: string;
  upstreamModel: string;
  mode: UpstreamMode;
  /** Shortened tool names (Anthropic clients on OpenAI-protocol upstreams). */
  toolNames?: ToolNameMap;
  /** The client set `stream_options.include_usage` (OpenAI clients); usage is always requested upstream. */
  clientWantsUsage: boolean;
}

/** A provider that cannot serve this call at all (wrong protocol for the endpoint); the router skips it. */
export class UnsupportedCallError extends Error {
  override name = 'UnsupportedCallError';
}

const ENDPOINT: Record<LlmRequest['api'], EndpointKind> = {
  chat: 'chat',
  messages: 'chat',
  count_tokens: 'chat', // answered by the target itself; never sent upstream
  embeddings: 'embeddings',
  responses: 'responses',
  models: 'models',
};

/** Prepares the call of `llm` to `target` with `key`; throws UnsupportedCallError, ProviderConfigError or TranslationError. */
export function prepareCall(llm: LlmRequest, target: CompiledTarget, key: ProviderKey | undefined): PreparedCall {
  const provider = target.provider;
  const spec = provider.spec;
  const endpoint = ENDPOINT[llm.api];
  if (!spec.endpoints[endpoint]) throw new UnsupportedCallError(`provider ${provider.name} (${spec.id}) has no ${endpoint} endpoint`);
  const upstreamModel = target.model ?? provider.mapModel(llm.model);
  const built = translateBody(llm, target, upstreamModel);
  const address = upstreamAddress(provider, { endpoint, model: upstreamModel, stream: llm.stream }, key);
  return { provider, key, address, upstreamModel, mode: built.mode, toolNames: built.toolNames, clientWantsUsage: built.clientWantsUsage, body: JSON.stringify(built.body) };
}

interface Built {
  body: unknown;
  mode: UpstreamMode;
  toolNames?: ToolNameMap;
  clientWantsUsage: boolean;
}

function translateBody(llm: LlmRequest, target: CompiledTarget, model: string): Built {
  const protocol = target.provider.spec.protocol;
  if (llm.api === 'embeddings' || llm.api === 'responses') {
    // Pass-through only: translating these to other protocols is not built (see docs/llm.md).
    if (protocol !== 'openai') throw new UnsupportedCallError(`provider ${target.provider.name} does not speak the OpenAI ${llm.api} API`);
    return { body: { ...llm.body, model }, mode: 'passthrough', clientWantsUsage: false };
  }
  if (llm.api === 'messages') {
    if (protocol === 'anthropic') return { body: { ...llm.body, model }, mode: 'anthropic', clientWantsUsage: false };
    const { request, toolNames } = anthropicToOpenAiRequest(llm.body as unknown as AnthropicRequest, { model });
    return { ...fromOpenAi(request, target, protocol), toolNames, clientWantsUsage: false };
  }
  const request = { ...(llm.body as unknown as OpenAiChatRequest), model };
  const asked = isRecord(request.stream_options) && request.stream_options.include_usage === true;
  return { ...fromOpenAi(request, target, protocol), clientWantsUsage: asked };
}

function fromOpenAi(request: OpenAiChatRequest, target: CompiledTarget, protocol: string): Omit<Built, 'clientWantsUsage'> {
  if (protocol === 'anthropic') return { body: openAiToAnthropicRequest(request), mode: 'anthropic' };
  if (protocol === 'gemini') return { body: openAiToGeminiRequest(request), mode: 'gemini' };
  const caps = target.provider.spec.capabilities;
  let out = request;
  if (out.stream === true && caps.streamUsage) out = withIncludeUsage(out).request;
  else if (!caps.streamUsage && out.stream_options !== undefined) {
    // A provider that rejects stream_options gets none; the gateway then estimates usage.
    out = { ...out };
    delete out.stream_options;
  }
  if (!caps.developerRole && Array.isArray(out.messages) && out.messages.some((m) => m?.role === 'developer')) {
    out = { ...out, messages: out.messages.map((m) => (m?.role === 'developer' ? { ...m, role: 'system' as const } : m)) };
  }
  return { body: out, mode: 'openai' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
