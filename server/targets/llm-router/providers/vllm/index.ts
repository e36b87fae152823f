import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** vLLM: an OpenAI-compatible API. */
export const vllm: ProviderSpec = openAiCompatible({
  id: 'vllm',
  name: 'vLLM',
  baseUrl: 'http://127.0.0.1:8000/v1',
  endpoints: ['chat', 'embeddings', 'models', 'responses'],
  // vLLM only checks a key when started with --api-key.
  auth: { in: 'header', name: 'authorization', template: 'Bearer {key}', optional: true },
  capabilities: { vision: true, reasoning: true },
});
