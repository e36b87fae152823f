import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

describe('agate consumer key remove and agate upstream update, against a running gateway', () => {
  let gw: TestGateway;
  let a: LoopbackUpstream;
  let b: LoopbackUpstream;

  beforeAll(async () => {
    gw = await startTestGateway();
    [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all([a.close(), b.close()]);
  });

  const cli = async (...args: string[]) => {
    const r = await runCli(args, gw.dbPath);
    return r;
  };

  it('a revoked key stops working at the next reload; the consumer’s other key keeps working', async () => {
    expect((await cli('upstream', 'add', 'pool', '--target', a.url)).code).toBe(0);
    const added = await cli('consumer', 'add', 'alice', '--json');
    expect(added.code, added.stderr).toBe(0);
    const first = JSON.parse(added.stdout) as { key: string };
    const second = JSON.parse((await cli('consumer', 'key', 'add', 'alice', '--json')).stdout) as { key: string; id: number };
    expect((await cli('route', 'add', 'api', '--path', '/api', '--upstream', 'pool', '--consumers', 'alice')).code).toBe(0);
    const call = (key: string) => fetch(`${gw.url}/api/x`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    await waitFor(async () => (await call(first.key)) === 200, 'the route to serve alice');

    const keys = JSON.parse((await cli('consumer', 'key', 'list', 'alice', '--json')).stdout) as Array<{ id: number; keyPrefix: string }>;
    const firstId = keys.find((k) => first.key.startsWith(k.keyPrefix) && k.id !== second.id)!.id;
    const revoked = await cli('consumer', 'key', 'remove', 'alice', String(firstId));
    expect(revoked.code, revoked.stderr).toBe(0);
    await waitFor(async () => (await call(first.key)) === 401, 'the revoked key to be refused');
    expect(await call(second.key)).toBe(200);
    expect(JSON.parse((await cli('consumer', 'key', 'list', 'alice', '--json')).stdout).map((k: { id: number }) => k.id)).toEqual([second.id]);
  });

  it.each([
    [['consumer', 'key', 'remove', 'alice', 'abc'], 2, 'key id: must be a number'],
    [['consumer', 'key', 'remove', 'alice', '999999'], 1, 'has no key 999999'],
    [['upstream', 'update', 'nope', '--target', 'http://127.0.0.1:1'], 2, 'upstream "nope" not found'],
    [['upstream', 'update', 'pool', '--target', 'not-a-url'], 2, 'upstream.targets[0].url'],
  ])('%j exits %i naming the problem', async (args, code, message) => {
    const r = await cli(...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
  });

  it('upstream update re-points traffic live; flags other than --target keep the targets', async () => {
    const alice = JSON.parse((await cli('consumer', 'key', 'add', 'alice', '--json')).stdout) as { key: string };
    const upstreamOf = async () => {
      const r = await fetch(`${gw.url}/api/x`, { headers: { authorization: `Bearer ${alice.key}` } });
      return r.headers.get('x-upstream');
    };
    await waitFor(async () => (await upstreamOf()) === 'a', 'traffic on a');
    const updated = await cli('upstream', 'update', 'pool', '--target', `${b.url}=2`, '--json');
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout).targets).toEqual([{ url: b.url, weight: 2 }]);
    await waitFor(async () => (await upstreamOf()) === 'b', 'traffic moved to b');

    expect((await cli('upstream', 'update', 'pool', '--eject-after', '3')).code).toBe(0);
    const shown = JSON.parse((await cli('upstream', 'show', 'pool', '--json')).stdout);
    expect(shown.targets).toEqual([{ url: b.url, weight: 2 }]);
    expect(shown.outlier).toMatchObject({ consecutiveFailures: 3 });
  });
});
