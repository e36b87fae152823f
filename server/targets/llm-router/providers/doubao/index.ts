import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Doubao (Volcengine Ark): an OpenAI-compatible API. */
export const doubao: ProviderSpec = openAiCompatible({
  id: 'doubao',
  name: 'Doubao (Volcengine Ark)',
  baseUrl: 'https://ark.cn-beijing.volces.com/api/v3',
  endpoints: ['chat', 'embeddings', 'responses'],
  capabilities: { vision: true, reasoning: true },
});
