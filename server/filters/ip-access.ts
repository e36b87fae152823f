import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { gatewayError } from '../errors/index.js';
import type { Filter } from '../pipeline/index.js';

/** Allow and deny lists of addresses or CIDRs; deny wins. */
export interface IpAccessConfig {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/** Builds a node:net BlockList from addresses and CIDRs (IPv4 and IPv6). */
export function toBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (!isIPv4(address) && !isIPv6(address)) throw new Error(`"${entry}" is not an IP address or CIDR`);
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** Refuses clients by address (403 GW_ERR_IP_DENIED): the socket peer, or the trusted-proxy-resolved client. */
export function ipAccess(config: IpAccessConfig): Filter {
  const allow = config.allow?.length ? toBlockList(config.allow) : undefined;
  const deny = config.deny?.length ? toBlockList(config.deny) : undefined;
  return async function checkIpAccess(ctx, next) {
    const ip = unmapped(ctx.request.clientIp ?? ctx.request.remoteAddress);
    const type = isIPv6(ip) ? 'ipv6' : 'ipv4';
    if ((deny && deny.check(ip, type)) || (allow && !allow.check(ip, type))) {
      throw gatewayError('GW_ERR_IP_DENIED', ip, ctx.route?.name ?? ctx.request.path);
    }
    await next();
  };
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is checked as `10.0.0.1`. */
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}
