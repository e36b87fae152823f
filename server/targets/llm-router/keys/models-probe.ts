import { request, type Dispatcher } from 'undici';
import { buildUpstreamTarget } from '../providers/index.js';
import type { KeyProbe } from './key-health.js';

/**
 * Probes a key with the provider's models endpoint: free, and it fails exactly when the key does (revoked,
 * out of quota). Providers without one get no probe call and are retried with live traffic instead.
 */
export function createModelsProbe(dispatcher: Dispatcher, timeoutMs = 5_000): KeyProbe {
  return async function probeKey(provider, key) {
    if (!provider.spec.endpoints.models) return true;
    const t = buildUpstreamTarget(provider.spec, {
      endpoint: 'models',
      model: '',
      apiKey: key.value,
      baseUrl: provider.baseUrl,
      settings: provider.settings,
    });
    const res = await request(t.url, { method: 'GET', headers: t.headers, dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300;
  };
}
