/** The shared base for providers that speak the OpenAI REST API under some base URL. */
import {
  defineProvider,
  type AuthSpec,
  type EndpointKind,
  type PathBuilder,
  type ProviderCapabilities,
  type ProviderSpec,
} from './types.js';

/** Conventional OpenAI paths, relative to a base URL that already ends in the version (`…/v1`). */
export const OPENAI_PATHS: Readonly<Record<EndpointKind, string>> = Object.freeze({
  chat: '/chat/completions',
  embeddings: '/embeddings',
  models: '/models',
  responses: '/responses',
});

/** Bearer-token auth, the OpenAI default. */
export const BEARER_AUTH: AuthSpec = Object.freeze({ in: 'header', name: 'authorization', template: 'Bearer {key}' });

const DEFAULT_CAPABILITIES: ProviderCapabilities = {
  streaming: true,
  tools: true,
  vision: false,
  streamUsage: true,
  developerRole: false,
  reasoning: false,
};

/** Options for {@link openAiCompatible}. */
export interface OpenAiCompatibleInit {
  id: string;
  name: string;
  /** Base URL including the version segment; null when it must be configured. */
  baseUrl: string | null;
  /** Endpoints served at the conventional paths; default chat, embeddings and models. */
  endpoints?: EndpointKind[];
  /** Endpoints at non-conventional paths (MiniMax's `chatcompletion_v2`). */
  paths?: Partial<Record<EndpointKind, string>>;
  /** Defaults to bearer. */
  auth?: AuthSpec;
  /** Overrides of the default flags. */
  capabilities?: Partial<ProviderCapabilities>;
  defaultHeaders?: Record<string, string>;
}

/** Builds a frozen OpenAI-protocol spec from a few facts. */
export function openAiCompatible(init: OpenAiCompatibleInit): ProviderSpec {
  const endpoints: Partial<Record<EndpointKind, PathBuilder>> = {};
  for (const kind of init.endpoints ?? ['chat', 'embeddings', 'models']) {
    const path = OPENAI_PATHS[kind];
    endpoints[kind] = () => path;
  }
  for (const [kind, path] of Object.entries(init.paths ?? {}) as Array<[EndpointKind, string]>) {
    endpoints[kind] = () => path;
  }
  return defineProvider({
    id: init.id,
    name: init.name,
    protocol: 'openai',
    defaultBaseUrl: init.baseUrl,
    auth: init.auth ?? BEARER_AUTH,
    endpoints,
    defaultHeaders: { ...init.defaultHeaders },
    capabilities: { ...DEFAULT_CAPABILITIES, ...init.capabilities },
  });
}
