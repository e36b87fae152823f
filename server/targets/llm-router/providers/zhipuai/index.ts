import { openAiCompatible } from '../openai-compatible.js';
import type { ProviderSpec } from '../types.js';

/** Zhipu's v4 API is OpenAI-shaped under a versioned prefix (api.z.ai for the international site). */
export const zhipuai: ProviderSpec = openAiCompatible({
  id: 'zhipuai',
  name: 'Zhipu AI (GLM)',
  baseUrl: 'https://open.bigmodel.cn/api/paas/v4',
  endpoints: ['chat', 'embeddings'],
  capabilities: { vision: true, reasoning: true },
});
