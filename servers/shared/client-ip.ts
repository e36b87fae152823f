import { isIP } from 'node:net';

const BRACKETED_V6 = /^\[([^\]]+)\](?::\d{1,5})?$/;
const V4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const V4_MAPPED_V6 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Extracts a bare IP from a socket-style address: `a.b.c.d`, `a.b.c.d:port`, `v6`, `[v6]`, `[v6]:port`.
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`, what Node reports on dual-stack sockets) becomes plain IPv4,
 * which IP-geolocation APIs understand. Returns undefined for anything that is not an IP.
 */
export function parseClientIp(source: string): string | undefined {
  const text = source.trim();
  const candidate = BRACKETED_V6.exec(text)?.[1] ?? V4_WITH_PORT.exec(text)?.[1] ?? text;
  const mapped = V4_MAPPED_V6.exec(candidate)?.[1];
  const ip = mapped ?? candidate;
  return isIP(ip) === 0 ? undefined : ip;
}
