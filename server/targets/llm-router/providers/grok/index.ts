import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** xAI Grok: an OpenAI-compatible API. */
export const grok: ProviderSpec = openAiCompatible({
  id: 'grok',
  name: 'xAI Grok',
  baseUrl: 'https://api.x.ai/v1',
  endpoints: ['chat', 'models', 'responses'],
  capabilities: { vision: true, reasoning: true },
});
