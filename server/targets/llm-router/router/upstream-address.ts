/**
 * Where one call goes and with which headers. It depends only on the provider (as compiled into a snapshot),
 * the endpoint, the upstream model, streaming and the key, so it is built once per such combination and reused
 * while the snapshot lives: no URL parsing, path building or header copying per request.
 */
import { buildUpstreamTarget, ProviderConfigError, type EndpointKind } from '../providers/index.js';
import type { CompiledProvider, ProviderKey } from './types.js';

/** An upstream call's destination, split as undici's dispatch takes it. */
export interface UpstreamAddress {
  /** `scheme://host:port`. */
  readonly origin: string;
  /** Path and query, percent-encoded as URL parsing leaves them. */
  readonly path: string;
  /** Provider headers and auth, content-type and accept; shared, never modified. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What one call asks of its provider's address: the parts that vary per request (the key aside). */
export interface AddressWant {
  readonly endpoint: EndpointKind;
  /** The upstream model name. */
  readonly model: string;
  readonly stream: boolean;
}

/** Entries per provider; models come from clients (pass-through maps), so the memo is bounded. */
const MAX_ADDRESSES = 256;

const addresses = new WeakMap<CompiledProvider, Map<string, UpstreamAddress>>();

/** The address of a call; throws ProviderConfigError when the provider cannot make one. */
export function upstreamAddress(provider: CompiledProvider, want: AddressWant, key: ProviderKey | undefined): UpstreamAddress {
  let known = addresses.get(provider);
  if (!known) addresses.set(provider, (known = new Map()));
  const id = `${want.endpoint}\0${want.stream ? 's' : ''}\0${key?.id ?? ''}\0${want.model}`;
  let address = known.get(id);
  if (!address) {
    address = buildAddress(provider, want, key);
    if (known.size >= MAX_ADDRESSES) known.clear();
    known.set(id, address);
  }
  return address;
}

function buildAddress(provider: CompiledProvider, want: AddressWant, key: ProviderKey | undefined): UpstreamAddress {
  const { endpoint, model, stream } = want;
  const t = buildUpstreamTarget(provider.spec, { endpoint, model, stream, apiKey: key?.value, baseUrl: provider.baseUrl, settings: provider.settings });
  let url: URL;
  try {
    url = new URL(t.url);
  } catch {
    throw new ProviderConfigError(`provider '${provider.name}' has an invalid base URL`);
  }
  const headers = { ...t.headers, 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
  return Object.freeze({ origin: url.origin, path: url.pathname + url.search, headers: Object.freeze(headers) });
}
