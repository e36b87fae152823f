import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/gateway.js';
import { startUpstream } from '../helpers/loopback-upstream.js';
import { spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('agate serve --redis', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it.each(['http://127.0.0.1:6379', 'not a url', 'redis'])('refuses --redis %s with a usage error naming the flag', async (url) => {
    const r = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--redis', url], join(dir, 'refused.db'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--redis: must be a redis://host:port, rediss://host:port, unix:///path or redis-sentinel://host:port[,host:port...]#primary URL');
  });

  it.each([
    ['redis-sentinel://127.0.0.1:26379', 'names no primary'],
    ['redis-sentinel://:s3cret@127.0.0.1:26379/', 'names no primary'],
    ['redis-sentinel://127.0.0.1:26379/x#mymaster', 'the database must be a number'],
    ['redis-sentinel://127.0.0.1:99999#mymaster', '"127.0.0.1:99999" is not a sentinel\'s host[:port]'],
    ['redis-sentinel://127.0.0.1:26379?timeout=10s#mymaster', 'unsupported query parameter "timeout"'],
    ['redis-sentinel://%zz@127.0.0.1#mymaster', 'the password has a malformed percent escape'],
  ])('refuses --redis %s saying what is wrong, and never prints a password', async (url, why) => {
    const r = await runCli(['serve', '--port', '0', '--admin-port', '0', '--demo-port', '0', '--redis', url], join(dir, 'refused.db'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--redis: redis-sentinel URL`);
    expect(r.stderr).toContain(why);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('starts and serves while Redis is unreachable: route rates admit (fail open), status says Redis is down', async () => {
    const db = join(dir, 'down.db');
    const web = await startUpstream('web');
    const r = Registry.open(db);
    r.routes.create({ name: 'web', path: '/web', upstream: web.url, rateLimit: { requests: 1, per: 'hour', by: 'route' } }, 'cli');
    r.close();
    const gw = await spawnServe(db, { args: ['--redis', `redis://127.0.0.1:${await closedPort()}`] });
    try {
      // One request an hour, but the limit cannot be checked and fails open.
      for (let i = 0; i < 3; i++) expect((await fetch(`${gw.url}/web`)).status).toBe(200);
      const text = await waitFor(async () => {
        const out = (await runCli(['status'], db)).stdout;
        return /without redis {3}0 refused \(fail closed\), 3 admitted \(fail open\)/.test(out) && out;
      }, 'status to count the admissions without Redis');
      expect(text).toMatch(/^ {2}redis {11}(down|connecting) since /m);
      expect(text).toMatch(/^ {2}redis error {5}.*ECONNREFUSED/m);
      expect(text).toContain('  route web: open (default)');
    } finally {
      await gw.stop();
      await web.close();
    }
  });
});
