/** The provider catalogue's contract: a provider is data (URLs, auth, endpoints, flags), not code paths. */

/** Wire protocol the upstream speaks, which selects the translators to use. */
export type ProviderProtocol = 'openai' | 'anthropic' | 'gemini';

/** Gateway operations a provider may serve. */
export type EndpointKind = 'chat' | 'embeddings' | 'models' | 'responses';

/** Per-deployment settings a provider's paths may need (stored with the provider in the registry). */
export interface ProviderSettings {
  /** API version: Azure's `api-version` query value, Gemini's `v1`/`v1beta` path segment. */
  apiVersion?: string;
  /** Azure deployment name; defaults to the (mapped) model name. */
  deployment?: string;
}

/** What a path builder gets for one call. */
export interface EndpointInput {
  /** Upstream model name, after model mapping. */
  model: string;
  /** True for a streaming call (Gemini uses a different method for it). */
  stream: boolean;
  /** The provider's configured settings. */
  settings: ProviderSettings;
}

/** Builds the path (with any query string) appended to the base URL; it always starts with `/`. */
export type PathBuilder = (input: EndpointInput) => string;

/** How the API key is sent upstream. */
export type AuthSpec =
  | {
      in: 'header';
      /** Header name, lower case. */
      name: string;
      /** Value template; `{key}` is replaced by the key, e.g. `Bearer {key}`. */
      template: string;
      /** True when the upstream works without a key (self-hosted servers). */
      optional?: boolean;
    }
  | { in: 'query'; name: string; optional?: boolean }
  | { in: 'none' };

/** Feature flags the router consults before sending a request. */
export interface ProviderCapabilities {
  /** Streams responses over SSE. */
  streaming: boolean;
  /** Supports function/tool calling. */
  tools: boolean;
  /** Accepts image input. */
  vision: boolean;
  /** Accepts `stream_options.include_usage` (so the gateway may inject it). */
  streamUsage: boolean;
  /** Accepts the `developer` role; otherwise send such messages as `system`. */
  developerRole: boolean;
  /** Returns reasoning text (`reasoning_content` or thinking blocks). */
  reasoning: boolean;
}

/** One provider's catalogue entry. */
export interface ProviderSpec {
  /** Stable id used in config, e.g. `deepseek`. */
  id: string;
  /** Human-readable name for CLI and docs. */
  name: string;
  /** Upstream wire protocol. */
  protocol: ProviderProtocol;
  /** Base URL without trailing slash; null when it must be configured (Azure resource, generic host). */
  defaultBaseUrl: string | null;
  /** How the key is sent. */
  auth: AuthSpec;
  /** Supported endpoints; a missing kind is unsupported. */
  endpoints: Readonly<Partial<Record<EndpointKind, PathBuilder>>>;
  /** Headers sent on every call (e.g. `anthropic-version`). */
  defaultHeaders: Readonly<Record<string, string>>;
  /** Feature flags. */
  capabilities: Readonly<ProviderCapabilities>;
}

/** Freezes a spec (and its nested maps) so a shared catalogue entry cannot be mutated at run time. */
export function defineProvider(spec: ProviderSpec): ProviderSpec {
  Object.freeze(spec.endpoints);
  Object.freeze(spec.defaultHeaders);
  Object.freeze(spec.capabilities);
  Object.freeze(spec.auth);
  return Object.freeze(spec);
}
