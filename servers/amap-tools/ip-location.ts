import { CLIENT_IP_META_KEY } from '../hosted-server.js';
import { parseClientIp } from '../shared/client-ip.js';
import type { AmapArgs, PreparedQuery } from './tool-spec.js';

/**
 * `maps_ip_location` with no usable `ip` locates the caller. AMap's /v3/ip would otherwise locate the
 * address the request came from, which is the gateway, so the caller IP must be sent explicitly.
 * Higress's descriptions tell models to pass "unknow" when they do not know the IP; that is honoured.
 */
export function resolveIpArgument(args: AmapArgs, meta: Readonly<Record<string, unknown>> | undefined): PreparedQuery {
  const given = (args.ip ?? '').trim();
  if (given !== '' && !given.includes('unknow')) return { ok: true, query: { ...args, ip: given } };
  const raw = meta?.[CLIENT_IP_META_KEY];
  if (typeof raw !== 'string' || raw.trim() === '') {
    return { ok: false, error: 'maps_ip_location needs an ip: none was given and the caller address is not known' };
  }
  const ip = parseClientIp(raw);
  if (ip === undefined) {
    return { ok: false, error: 'maps_ip_location needs an ip: none was given and the caller address is not a valid IP' };
  }
  return { ok: true, query: { ...args, ip } };
}
