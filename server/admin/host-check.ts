import { isIP } from 'node:net';

/**
 * Whether the Host header names the admin listener by a name the operator trusts: a loopback name
 * (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`) or one of `allowed` (configured names, the bind address).
 * A browser page on a rebound DNS name sends that name in Host, so checking it closes DNS rebinding.
 */
export function hostAllowed(host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!host) return false;
  const name = hostName(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  if (isIP(name) === 4 && name.startsWith('127.')) return true;
  return allowed.has(name);
}

/** `name:port`, `[v6]:port`, `name` → the name without port or brackets. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') === -1 ? undefined : host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
