import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Moonshot (Kimi): an OpenAI-compatible API. */
export const moonshot: ProviderSpec = openAiCompatible({
  id: 'moonshot',
  name: 'Moonshot (Kimi)',
  baseUrl: 'https://api.moonshot.cn/v1',
  endpoints: ['chat', 'models'],
  capabilities: { vision: true, reasoning: true },
});
