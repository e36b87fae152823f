import { resolveUpstreamLimits } from '../../shared/upstream-options.js';

/** Canonical origin → replacement origin, exact entries first, then `scheme://*.suffix[:port]` ones. */
export interface OriginOverrides {
  /** The replacement URL for `url` (path and query kept), or `url` itself. */
  apply(url: URL): URL;
  /** Every replacement origin (the SSRF guard lets these through: the operator named them). */
  readonly targets: readonly string[];
}

/**
 * Validates overrides with the hosted servers' rules (bare http(s) origins) and adds wildcard keys,
 * which REST configs need when an argument picks the host (`https://49999-{{.args.id}}.e2b.dev`).
 */
export function createOriginOverrides(raw: Readonly<Record<string, string>>): OriginOverrides {
  const exact = resolveUpstreamLimits({ settings: {}, originOverrides: raw }).originOverrides;
  const wildcards: { scheme: string; suffix: string; port: string; target: string }[] = [];
  for (const [from, to] of exact) {
    const url = new URL(from);
    if (url.hostname.startsWith('*.')) wildcards.push({ scheme: url.protocol, suffix: url.hostname.slice(1), port: url.port, target: to });
    else if (url.hostname.includes('*')) throw new Error(`originOverrides key "${from}": '*' is only allowed as the first label (https://*.example.com)`);
  }
  return {
    apply(url) {
      const target =
        exact.get(url.origin) ??
        wildcards.find((w) => w.scheme === url.protocol && w.port === url.port && url.hostname.endsWith(w.suffix))?.target;
      return target === undefined ? url : new URL(`${url.pathname}${url.search}`, target);
    },
    targets: [...new Set(exact.values())],
  };
}
