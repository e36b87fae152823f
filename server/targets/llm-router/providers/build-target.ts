/** Turns a provider spec plus per-call facts into the upstream URL and headers. */
import type { EndpointKind, ProviderSettings, ProviderSpec } from './types.js';

/** Where and how to send one upstream call. */
export interface UpstreamTarget {
  url: string;
  /** Default headers plus auth; the caller adds content-type and accept. */
  headers: Record<string, string>;
}

/** Inputs of {@link buildUpstreamTarget}. */
export interface BuildTargetInput {
  endpoint: EndpointKind;
  /** Upstream model name, after mapping. */
  model: string;
  stream?: boolean;
  /** The key chosen for this call; may be absent only when the spec's auth is optional or none. */
  apiKey?: string;
  /** Overrides the spec's default base URL (required when it has none). */
  baseUrl?: string;
  settings?: ProviderSettings;
}

/** A provider configuration that cannot produce a request (missing base URL or key, unsupported endpoint). */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** Builds the target for one call; throws {@link ProviderConfigError} with the reason when it cannot. */
export function buildUpstreamTarget(spec: ProviderSpec, input: BuildTargetInput): UpstreamTarget {
  const path = spec.endpoints[input.endpoint];
  if (path === undefined) {
    throw new ProviderConfigError(`provider '${spec.id}' does not support the ${input.endpoint} endpoint`);
  }
  const base = input.baseUrl ?? spec.defaultBaseUrl;
  if (base === null || base === '') {
    throw new ProviderConfigError(`provider '${spec.id}' needs a configured base URL`);
  }
  const endpointInput = { model: input.model, stream: input.stream === true, settings: input.settings ?? {} };
  let url = base.replace(/\/+$/, '') + path(endpointInput);
  const headers: Record<string, string> = { ...spec.defaultHeaders };
  const auth = spec.auth;
  if (auth.in === 'none') return { url, headers };
  const key = input.apiKey;
  if (key === undefined || key === '') {
    if (auth.optional === true) return { url, headers };
    throw new ProviderConfigError(`provider '${spec.id}' needs an API key`);
  }
  if (auth.in === 'header') {
    // A key with CR/LF would let configuration inject headers upstream.
    if (/[\r\n]/.test(key)) throw new ProviderConfigError(`API key for provider '${spec.id}' contains a line break`);
    headers[auth.name] = auth.template.replace('{key}', key);
  } else {
    url += `${url.includes('?') ? '&' : '?'}${encodeURIComponent(auth.name)}=${encodeURIComponent(key)}`;
  }
  return { url, headers };
}
