import { defineProvider, type EndpointInput, type ProviderSpec } from '../types.js';

/** GA data-plane version; override per deployment with `settings.apiVersion`. */
const DEFAULT_API_VERSION = '2024-10-21';

function version(input: EndpointInput): string {
  return encodeURIComponent(input.settings.apiVersion ?? DEFAULT_API_VERSION);
}

function deploymentPath(operation: string): (input: EndpointInput) => string {
  return (input) => {
    // The deployment, not the model, selects what runs; it defaults to the mapped model name.
    const deployment = encodeURIComponent(input.settings.deployment ?? input.model);
    return `/openai/deployments/${deployment}/${operation}?api-version=${version(input)}`;
  };
}

/** Azure OpenAI: `api-key` header, deployment in the path, `api-version` query; base is the resource URL. */
export const azure: ProviderSpec = defineProvider({
  id: 'azure',
  name: 'Azure OpenAI',
  protocol: 'openai',
  defaultBaseUrl: null,
  auth: { in: 'header', name: 'api-key', template: '{key}' },
  endpoints: {
    chat: deploymentPath('chat/completions'),
    embeddings: deploymentPath('embeddings'),
    models: (input) => `/openai/models?api-version=${version(input)}`,
    responses: (input) => `/openai/responses?api-version=${version(input)}`,
  },
  defaultHeaders: {},
  capabilities: {
    streaming: true,
    tools: true,
    vision: true,
    streamUsage: true,
    developerRole: true,
    reasoning: false,
  },
});
