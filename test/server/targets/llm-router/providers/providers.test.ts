import { describe, expect, it } from 'vitest';
import {
  buildUpstreamTarget,
  getProvider,
  PROVIDERS,
  ProviderConfigError,
  type ProviderSpec,
} from '../../../../../server/targets/llm-router/providers/index.js';

function spec(id: string): ProviderSpec {
  const s = getProvider(id);
  if (s === undefined) throw new Error(`no provider ${id}`);
  return s;
}

const KEY = 'sk-test';

describe('provider catalogue', () => {
  it('has every required provider, keyed by its own id', () => {
    const required = [
      'openai', 'azure', 'anthropic', 'gemini', 'qwen', 'deepseek', 'moonshot', 'zhipuai', 'doubao', 'baidu',
      'minimax', 'mistral', 'groq', 'grok', 'openrouter', 'together-ai', 'fireworks', 'ollama', 'vllm', 'generic',
    ];
    for (const id of required) expect(spec(id).id).toBe(id);
    for (const [id, s] of PROVIDERS) expect(s.id).toBe(id);
  });

  it.each<[string, string, Record<string, string>]>([
    ['openai', 'https://api.openai.com/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['anthropic', 'https://api.anthropic.com/v1/messages', { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }],
    ['gemini', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', { 'x-goog-api-key': KEY }],
    ['qwen', 'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['deepseek', 'https://api.deepseek.com/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['moonshot', 'https://api.moonshot.cn/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['zhipuai', 'https://open.bigmodel.cn/api/paas/v4/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['doubao', 'https://ark.cn-beijing.volces.com/api/v3/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['baidu', 'https://qianfan.baidubce.com/v2/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['minimax', 'https://api.minimax.chat/v1/text/chatcompletion_v2', { authorization: `Bearer ${KEY}` }],
    ['mistral', 'https://api.mistral.ai/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['groq', 'https://api.groq.com/openai/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['grok', 'https://api.x.ai/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['openrouter', 'https://openrouter.ai/api/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['together-ai', 'https://api.together.xyz/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['fireworks', 'https://api.fireworks.ai/inference/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['ollama', 'http://127.0.0.1:11434/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
    ['vllm', 'http://127.0.0.1:8000/v1/chat/completions', { authorization: `Bearer ${KEY}` }],
  ])('%s builds the chat URL and auth header', (id, url, headers) => {
    expect(buildUpstreamTarget(spec(id), { endpoint: 'chat', model: 'gemini-2.5-flash', apiKey: KEY })).toEqual({ url, headers });
  });

  it('azure puts the deployment in the path, api-version in the query, and the key in api-key', () => {
    const target = buildUpstreamTarget(spec('azure'), {
      endpoint: 'chat',
      model: 'gpt-4o',
      apiKey: KEY,
      baseUrl: 'https://myres.openai.azure.com/',
      settings: { deployment: 'prod 4o' },
    });
    expect(target).toEqual({
      url: 'https://myres.openai.azure.com/openai/deployments/prod%204o/chat/completions?api-version=2024-10-21',
      headers: { 'api-key': KEY },
    });
    const byModel = buildUpstreamTarget(spec('azure'), {
      endpoint: 'embeddings',
      model: 'text-embedding-3-small',
      apiKey: KEY,
      baseUrl: 'https://myres.openai.azure.com',
      settings: { apiVersion: '2025-01-01-preview' },
    });
    expect(byModel.url).toBe('https://myres.openai.azure.com/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-01-01-preview');
  });

  it.each([
    [false, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent'],
    [true, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'],
  ])('gemini stream=%s uses the right method', (stream, url) => {
    expect(buildUpstreamTarget(spec('gemini'), { endpoint: 'chat', model: 'models/gemini-2.5-pro', stream, apiKey: KEY }).url).toBe(url);
  });

  it('gemini honours apiVersion and builds embeddings and models paths', () => {
    const s = spec('gemini');
    expect(buildUpstreamTarget(s, { endpoint: 'embeddings', model: 'text-embedding-004', apiKey: KEY, settings: { apiVersion: 'v1' } }).url).toBe(
      'https://generativelanguage.googleapis.com/v1/models/text-embedding-004:batchEmbedContents',
    );
    expect(buildUpstreamTarget(s, { endpoint: 'models', model: '', apiKey: KEY }).url).toBe('https://generativelanguage.googleapis.com/v1beta/models');
  });

  it('sends no auth header for an optional-auth provider without a key', () => {
    expect(buildUpstreamTarget(spec('ollama'), { endpoint: 'chat', model: 'llama3' })).toEqual({
      url: 'http://127.0.0.1:11434/v1/chat/completions',
      headers: {},
    });
  });

  it('generic uses the configured base URL and bearer auth', () => {
    expect(buildUpstreamTarget(spec('generic'), { endpoint: 'chat', model: 'x', apiKey: KEY, baseUrl: 'http://127.0.0.1:9/v1' })).toEqual({
      url: 'http://127.0.0.1:9/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
    });
  });

  it.each<[string, string, Parameters<typeof buildUpstreamTarget>[1], RegExp]>([
    ['azure without base URL', 'azure', { endpoint: 'chat', model: 'm', apiKey: KEY }, /needs a configured base URL/],
    ['generic without base URL', 'generic', { endpoint: 'chat', model: 'm', apiKey: KEY }, /needs a configured base URL/],
    ['openai without key', 'openai', { endpoint: 'chat', model: 'm' }, /needs an API key/],
    ['anthropic embeddings', 'anthropic', { endpoint: 'embeddings', model: 'm', apiKey: KEY }, /does not support the embeddings endpoint/],
    ['key with a line break', 'openai', { endpoint: 'chat', model: 'm', apiKey: 'sk\r\nx-evil: 1' }, /line break/],
  ])('rejects %s with a ProviderConfigError', (_n, id, input, message) => {
    expect(() => buildUpstreamTarget(spec(id), input)).toThrow(ProviderConfigError);
    expect(() => buildUpstreamTarget(spec(id), input)).toThrow(message);
  });

  it('supports query-parameter auth for specs that ask for it', () => {
    const custom: ProviderSpec = { ...spec('gemini'), auth: { in: 'query', name: 'key' } };
    expect(buildUpstreamTarget(custom, { endpoint: 'chat', model: 'g', stream: true, apiKey: 'a b' }).url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse&key=a%20b',
    );
    expect(buildUpstreamTarget(custom, { endpoint: 'chat', model: 'g', apiKey: 'k' }).url).toMatch(/:generateContent\?key=k$/);
  });

  it('specs are frozen and protocols/capabilities are consistent', () => {
    for (const s of PROVIDERS.values()) {
      expect(Object.isFrozen(s) && Object.isFrozen(s.capabilities) && Object.isFrozen(s.endpoints)).toBe(true);
      expect(['openai', 'anthropic', 'gemini']).toContain(s.protocol);
      expect(s.endpoints.chat).toBeTypeOf('function');
    }
    expect(spec('anthropic').protocol).toBe('anthropic');
    expect(spec('gemini').protocol).toBe('gemini');
    expect(spec('generic').capabilities.streamUsage).toBe(false);
    expect(spec('azure').capabilities.developerRole).toBe(true);
    expect(spec('deepseek').capabilities.developerRole).toBe(false);
    expect(() => {
      (spec('openai').capabilities as { tools: boolean }).tools = false;
    }).toThrow(TypeError);
  });
});
