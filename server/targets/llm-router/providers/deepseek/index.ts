import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** DeepSeek serves OpenAI paths at the root (a `/v1` prefix is optional). */
export const deepseek: ProviderSpec = openAiCompatible({
  id: 'deepseek',
  name: 'DeepSeek',
  baseUrl: 'https://api.deepseek.com',
  endpoints: ['chat', 'models'],
  capabilities: { reasoning: true },
});
