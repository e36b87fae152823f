import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** OpenRouter: an OpenAI-compatible API. */
export const openrouter: ProviderSpec = openAiCompatible({
  id: 'openrouter',
  name: 'OpenRouter',
  baseUrl: 'https://openrouter.ai/api/v1',
  endpoints: ['chat', 'models'],
  capabilities: { vision: true },
});
