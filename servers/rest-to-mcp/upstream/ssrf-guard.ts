import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Addresses a model-driven request must never reach (perf-reliability §6.2 control 3): loopback,
// RFC 1918, CGNAT (which holds Alibaba Cloud's 100.100.100.200 metadata service), link-local (AWS/GCP/
// Azure metadata at 169.254.169.254), documentation and benchmark nets, multicast, reserved, and the
// IPv6 equivalents. IPv4-mapped IPv6 addresses are matched against the IPv4 rules by BlockList.
const PRIVATE_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const PRIVATE_V6: readonly [string, number][] = [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10],
  ['fec0::', 10], ['ff00::', 8],
];

const privateNets = new BlockList();
for (const [net, bits] of PRIVATE_V4) privateNets.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of PRIVATE_V6) privateNets.addSubnet(net, bits, 'ipv6');

/** Which non-public destinations one server may reach, decided by its operator. */
export interface EgressPolicy {
  /** True when the host (and everything it resolves to) was named by the operator. */
  hostAllowed(url: URL): boolean;
  /** Why this resolved address is refused, or undefined when it may be used. */
  refuseAddress(address: string): string | undefined;
}

/** Strips IPv6 brackets from a URL hostname. */
export function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Builds the policy from `allowHosts` (exact hostnames, `*.suffix` patterns, IPs and CIDRs) and the
 * origin-override targets, which the operator named and which are therefore always allowed.
 */
export function createEgressPolicy(allowHosts: readonly string[], overrideTargets: readonly string[]): EgressPolicy {
  const allowedNets = new BlockList();
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of allowHosts) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) allowedNets.addAddress(addr, type);
      else allowedNets.addSubnet(addr, Number(bits), type);
    } else if (entry.startsWith('*.')) suffixes.push(entry.slice(1).toLowerCase());
    else names.add(entry.toLowerCase());
  }
  const targets = new Set(overrideTargets);
  return {
    hostAllowed(url) {
      const host = bareHostname(url).toLowerCase();
      return targets.has(url.origin) || names.has(host) || suffixes.some((s) => host.endsWith(s));
    },
    refuseAddress(address) {
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (!privateNets.check(address, type) || allowedNets.check(address, type)) return undefined;
      return `${address} is a loopback, private, link-local or metadata address`;
    },
  };
}

/** Error raised inside connect when DNS gave a refused address. */
export class EgressRefusedError extends Error {
  /** Stable code so the caller can tell a policy refusal from a network failure. */
  readonly code = 'AGATE_EGRESS_REFUSED';
}

/**
 * A `lookup` for net/tls.connect that vets every resolved address before the socket uses it, so a
 * name that resolves public at check time and private at connect time (DNS rebinding) is still refused.
 */
export function guardedLookup(policy: EgressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    dnsLookup(hostname, { family, hints: options.hints, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const reason = policy.refuseAddress(a.address);
        if (reason !== undefined) return callback(new EgressRefusedError(`${hostname} resolves to ${reason}`), []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      // An empty answer must fail the connect, not throw from inside the DNS callback.
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
