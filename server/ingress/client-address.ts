import { BlockList, isIPv6 } from 'node:net';

/** Where the client's address comes from when the peer is a trusted proxy. */
export interface ClientAddress {
  /** The client as the nearest untrusted hop in X-Forwarded-For names it. */
  readonly clientIp: string;
  /** The incoming X-Forwarded-For with the peer appended. */
  readonly forwardedFor: string;
}

/**
 * For a trusted peer with X-Forwarded-For, the client is the rightmost address that is not itself a trusted
 * proxy, and the chain is extended. For anyone else, undefined: the socket address is the client, and the
 * client's own X-Forwarded-For is replaced, never appended to (it could claim any address).
 */
export function resolveClientAddress(peer: string, xff: string | string[] | undefined, trusted: BlockList | undefined): ClientAddress | undefined {
  if (!trusted || xff === undefined || !isTrusted(trusted, peer)) return undefined;
  const chain = (Array.isArray(xff) ? xff.join(',') : xff).split(',').map((s) => s.trim()).filter(Boolean);
  if (chain.length === 0) return undefined;
  let clientIp = chain[0]!;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(trusted, chain[i]!)) {
      clientIp = chain[i]!;
      break;
    }
  }
  return { clientIp, forwardedFor: `${chain.join(', ')}, ${peer}` };
}

/** Whether `ip` (IPv4-mapped IPv6 included) is in `list`. */
export function isTrusted(list: BlockList, ip: string): boolean {
  const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  try {
    return list.check(bare, isIPv6(bare) ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}

/** RFC 9112 §3.2: a request with more than one Host header is invalid (Node accepts it; we must not). */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host' && ++seen > 1) return true;
  }
  return false;
}
