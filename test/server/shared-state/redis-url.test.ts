import { describe, expect, it } from 'vitest';
import { parseSentinelUrl, redactUrl, redisTarget } from '../../../server/shared-state/redis-url.js';

// The Sentinel URL is Lettuce's (github.com/lettuce-io/lettuce-core/wiki/Redis-URI-and-connection-details):
//   redis-sentinel://[[username:]password@]host1[:port1][,host2[:port2]][,hostN[:portN]][/database][?sentinelMasterId=…]
// with the primary's name also accepted as the fragment; sentinels listen on 26379 by default (redis.io, Sentinel).
describe('redis-sentinel:// URLs', () => {
  it("reads Lettuce's documented forms", () => {
    expect(parseSentinelUrl('redis-sentinel://localhost:26379,localhost:26380/0#mymaster')).toEqual({
      sentinels: [{ host: 'localhost', port: 26379 }, { host: 'localhost', port: 26380 }],
      name: 'mymaster',
      db: 0,
    });
    expect(parseSentinelUrl('redis-sentinel://password@localhost?sentinelMasterId=mymaster')).toEqual({
      sentinels: [{ host: 'localhost', port: 26379 }],
      name: 'mymaster',
      db: 0,
      password: 'password',
    });
    expect(parseSentinelUrl('redis-sentinel://app:p%40ss@10.0.0.1,10.0.0.2:26380,[::1]:26381/3#cache')).toEqual({
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }, { host: '::1', port: 26381 }],
      name: 'cache',
      db: 3,
      username: 'app',
      password: 'p@ss',
    });
  });

  it('gives ioredis sentinel options (with the failover detector) for a sentinel URL, and other URLs as they are', () => {
    expect(redisTarget('redis-sentinel://:pw@h1:1,h2:2/1#m')).toEqual({ sentinels: [{ host: 'h1', port: 1 }, { host: 'h2', port: 2 }], name: 'm', db: 1, password: 'pw', failoverDetector: true });
    expect(redisTarget('redis://127.0.0.1:6379/2')).toBe('redis://127.0.0.1:6379/2');
    expect(redisTarget('unix:///run/redis.sock')).toBe('/run/redis.sock');
  });

  it('hides the password in status and logs, and keeps the rest', () => {
    expect(redactUrl('redis-sentinel://app:pa:ss@h1,h2:26380/0#m')).toBe('redis-sentinel://app:***@h1,h2:26380/0#m');
    expect(redactUrl('redis-sentinel://secret@h1#m')).toBe('redis-sentinel://***@h1#m');
    expect(redactUrl('redis-sentinel://h1:26379?sentinelMasterId=m')).toBe('redis-sentinel://h1:26379?sentinelMasterId=m');
    expect(redactUrl('redis://:secret@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
  });
});
