import type { HostedServerOptions } from '../hosted-server.js';

/** Default per-call upstream timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap on one upstream response body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Validated, frozen limits and overrides for upstream calls. */
export interface UpstreamLimits {
  /** Whole-call deadline (connect + headers + body) in ms. */
  readonly timeoutMs: number;
  /** Bodies larger than this are refused, not truncated. */
  readonly maxResponseBytes: number;
  /** Canonical origin → replacement origin, both normalised by `URL`. */
  readonly originOverrides: ReadonlyMap<string, string>;
}

/** Validates `HostedServerOptions` limits and overrides; throws an Error naming the bad field. */
export function resolveUpstreamLimits(options: HostedServerOptions): UpstreamLimits {
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const maxResponseBytes = positiveInteger('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
  const originOverrides = new Map<string, string>();
  for (const [from, to] of Object.entries(options.originOverrides ?? {})) {
    originOverrides.set(parseOrigin(`originOverrides key "${from}"`, from), parseOrigin(`originOverrides["${from}"]`, to));
  }
  return Object.freeze({ timeoutMs, maxResponseBytes, originOverrides });
}

/** Replaces the origin of `url` when an override exists for it; path and query are kept. */
export function applyOriginOverride(url: URL, limits: UpstreamLimits): URL {
  const replacement = limits.originOverrides.get(url.origin);
  if (replacement === undefined) return url;
  return new URL(`${url.pathname}${url.search}`, replacement);
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${field} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

// An override must be a bare origin: a path would silently change every upstream path, and any other
// scheme (file:, unix:) would be an SSRF hole (perf-reliability §6.2).
function parseOrigin(label: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${label} must be an http(s) origin such as https://example.com, got "${value}"`);
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
    throw new Error(`${label} must be an http(s) origin with no path, query or credentials, got "${value}"`);
  }
  return url.origin;
}
