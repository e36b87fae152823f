/**
 * The Redis URLs `--redis` takes, and what ioredis is given for each: one endpoint (`redis://`, `rediss://`,
 * `unix://`) as a URL, or a Redis Sentinel deployment (`redis-sentinel://`) as options, so that agate asks the
 * sentinels for the current primary and follows a failover. The Sentinel form is Lettuce's (the Redis client of
 * Spring), so one URL serves a Java and an agate deployment alike:
 *
 *   redis-sentinel://[[username:]password@]host[:port][,host[:port]...][/database]#masterName
 *   redis-sentinel://[[username:]password@]host[:port][,host[:port]...][/database]?sentinelMasterId=masterName
 *
 * The credentials are the Redis nodes' (the primary's and its replicas'); sentinels are asked without. Ports
 * default to 26379, Sentinel's own.
 */
import type { RedisOptions } from 'ioredis';

/** Sentinel's default port (redis.io, "High availability with Redis Sentinel"). */
export const SENTINEL_DEFAULT_PORT = 26379;

/** The schemes `--redis` accepts. */
const SCHEMES = ['redis:', 'rediss:', 'unix:', 'redis-sentinel:'];

/** A `redis-sentinel://` URL, taken apart. */
export interface SentinelTarget {
  sentinels: { host: string; port: number }[];
  /** The monitored primary's name (`sentinel monitor <name> ...`). */
  name: string;
  db: number;
  username?: string;
  password?: string;
}

/** Raised for a URL `--redis` cannot use; the message says what is wrong with it. */
export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

/** Checks `url` and returns it; throws a {@link RedisUrlError} naming the part that is wrong. */
export function checkRedisUrl(url: string): string {
  if (url.startsWith('redis-sentinel://')) {
    parseSentinelUrl(url);
    return url;
  }
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (!u || !SCHEMES.includes(u.protocol)) {
    throw new RedisUrlError(`must be a redis://host:port, rediss://host:port, unix:///path or redis-sentinel://host:port[,host:port...]#primary URL (got "${url}")`);
  }
  return url;
}

/** What ioredis is given for `url`: the URL itself, a socket path, or Sentinel options. */
export function redisTarget(url: string): string | RedisOptions {
  // ioredis takes a socket path as a bare path; `unix:///path` is the URL form users write.
  if (url.startsWith('unix:')) return new URL(url).pathname;
  if (!url.startsWith('redis-sentinel://')) return url;
  const { sentinels, name, db, username, password } = parseSentinelUrl(url);
  return {
    sentinels,
    name,
    db,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    // Subscribes to the sentinels' +switch-master: a failover is followed when announced, not at the next error.
    failoverDetector: true,
  };
}

/** Takes a `redis-sentinel://` URL apart (the WHATWG URL parser cannot: its host is a list). */
export function parseSentinelUrl(url: string): SentinelTarget {
  const rest = url.slice('redis-sentinel://'.length);
  const hash = rest.indexOf('#');
  const beforeHash = hash === -1 ? rest : rest.slice(0, hash);
  const question = beforeHash.indexOf('?');
  const query = new URLSearchParams(question === -1 ? '' : beforeHash.slice(question + 1));
  const unknown = [...query.keys()].filter((k) => k !== 'sentinelMasterId');
  if (unknown.length) throw new RedisUrlError(`redis-sentinel URL: unsupported query parameter "${unknown[0]}" (only sentinelMasterId)`);
  const name = hash === -1 ? (query.get('sentinelMasterId') ?? '') : decoded(rest.slice(hash + 1), 'primary name');
  if (!name) throw new RedisUrlError(`redis-sentinel URL names no primary: end it with #<name>, the name in "sentinel monitor <name> ..." (got "${redactUrl(url)}")`);
  const authority = question === -1 ? beforeHash : beforeHash.slice(0, question);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const afterUser = authority.slice(at + 1);
  const slash = afterUser.indexOf('/');
  const hosts = slash === -1 ? afterUser : afterUser.slice(0, slash);
  const dbText = slash === -1 ? '' : afterUser.slice(slash + 1);
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new RedisUrlError(`redis-sentinel URL: the database must be a number 0-99 (got "/${dbText}")`);
  const sentinels = hosts.split(',').map((h) => sentinelAddress(h, url));
  const target: SentinelTarget = { sentinels, name, db: dbText === '' ? 0 : Number(dbText) };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const username = colon === -1 ? '' : decoded(userinfo.slice(0, colon), 'username');
    const password = decoded(colon === -1 ? userinfo : userinfo.slice(colon + 1), 'password');
    if (username) target.username = username;
    if (password) target.password = password;
  }
  return target;
}

/** A percent-encoded URL part, decoded; a malformed escape is named instead of thrown as a bare URIError. */
function decoded(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`redis-sentinel URL: the ${part} has a malformed percent escape`);
  }
}

function sentinelAddress(text: string, url: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[2] === undefined ? SENTINEL_DEFAULT_PORT : Number(m[2]);
  if (!m || port < 1 || port > 65535) throw new RedisUrlError(`redis-sentinel URL: "${text}" is not a sentinel's host[:port] (got "${redactUrl(url)}")`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The URL with any password replaced by `***`, for status and logs. */
export function redactUrl(url: string): string {
  if (url.startsWith('redis-sentinel://')) return redactSentinelUrl(url);
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

function redactSentinelUrl(url: string): string {
  const start = 'redis-sentinel://'.length;
  const end = url.slice(start).search(/[/?#]/);
  const authority = end === -1 ? url.slice(start) : url.slice(start, start + end);
  const at = authority.lastIndexOf('@');
  if (at === -1) return url;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  // `user:password@` keeps the user; a bare `password@` (Lettuce's form) is all secret.
  const shown = colon === -1 ? '***' : `${userinfo.slice(0, colon)}:***`;
  return `redis-sentinel://${shown}${url.slice(start + at)}`;
}
