import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

interface StoredConsumer {
  name: string;
  groups: string[];
  description?: string;
  jwt?: Record<string, unknown>;
}

describe('agate consumer update, against a running gateway', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let key: string;
  const cli = (...args: string[]) => runCli(args, gw.dbPath);
  const show = async (): Promise<StoredConsumer> => {
    const list = JSON.parse((await cli('consumer', 'list', '--json')).stdout) as Array<StoredConsumer & { keys: number }>;
    const { keys: _keys, ...alice } = list.find((c) => c.name === 'alice')!;
    return alice;
  };
  const call = () => fetch(`${gw.url}/team-b/x`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('team-b-api');
    // The HS256 key a JWT setting below refers to (no CLI writes bare secrets; a missing one would reject the config).
    gw.registry.secrets.put('idp-key', 'a-shared-hs256-key-of-enough-length', 'cli');
    const added = await cli('consumer', 'add', 'alice', '--group', 'team-a', 'staff', '--description', 'first hire', '--json');
    expect(added.code, added.stderr).toBe(0);
    key = (JSON.parse(added.stdout) as { key: string }).key;
    const route = await cli('route', 'add', 'team-b', '--path', '/team-b', '--upstream', upstream.url, '--consumers', 'team-b');
    expect(route.code, route.stderr).toBe(0);
    await waitFor(async () => (await call()) === 403, 'the route to refuse alice (not in team-b)');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('--group replaces the groups; the gateway lets alice in from its next reload, with the key she had', async () => {
    const keysBefore = JSON.parse((await cli('consumer', 'key', 'list', 'alice', '--json')).stdout);
    const r = await cli('consumer', 'update', 'alice', '--group', 'team-b');
    expect(r).toMatchObject({ code: 0, stdout: 'consumer alice updated\n', stderr: '' });
    await waitFor(async () => (await call()) === 200, 'the route to accept alice');
    expect(await show()).toEqual({ name: 'alice', groups: ['team-b'], description: 'first hire' });
    expect(JSON.parse((await cli('consumer', 'key', 'list', 'alice', '--json')).stdout)).toEqual(keysBefore);
  });

  it('other flags replace only what they name; --json prints the stored consumer', async () => {
    const r = await cli('consumer', 'update', 'alice', '--description', 'team lead', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'alice', groups: ['team-b'], description: 'team lead' });
    expect((await cli('consumer', 'update', 'alice', '--description', '')).code).toBe(0);
    expect(await show()).toEqual({ name: 'alice', groups: ['team-b'] });
    expect(await call()).toBe(200);
  });

  it('JWT settings merge into the current ones; the gateway accepts the config', async () => {
    expect((await cli('consumer', 'update', 'alice', '--jwt-issuer', 'https://idp.example', '--jwt-alg', 'hs256', '--jwt-secret', 'idp-key')).code).toBe(0);
    expect((await cli('consumer', 'update', 'alice', '--jwt-audience', 'team-b-api')).code).toBe(0);
    expect((await show()).jwt).toEqual({ issuer: 'https://idp.example', audience: 'team-b-api', algorithms: ['HS256'], secretRef: 'idp-key', clockSkewSeconds: 60 });
    await waitFor(() => gw.snapshots.current()?.version === gw.registry.version(), 'the gateway to load the change');
    expect(gw.snapshots.status.lastReloadError).toBeNull();
  });

  it('--no-group removes every group: the route refuses alice again', async () => {
    expect((await cli('consumer', 'update', 'alice', '--no-group')).code).toBe(0);
    expect((await show()).groups).toEqual([]);
    await waitFor(async () => (await call()) === 403, 'the route to refuse alice again');
  });

  it.each([
    [['nobody', '--group', 'team-b'], 'consumer "nobody" not found'],
    [['alice', '--group', 'Team B'], 'consumer.groups[0]: must be 1-63 characters'],
    [['alice', '--jwt-alg', 'none'], 'consumer.jwt.algorithms[0]: must be one of "HS256", "RS256"'],
    [['alice', '--basic-user', 'alice'], 'consumer.basicAuth: --basic-user needs --basic-password-stdin'],
    [['alice', '--basic-password-stdin'], 'consumer.basicAuth: --basic-password-stdin needs --basic-user'],
  ])('update %j exits 2 naming the field, and changes nothing', async (args, message) => {
    const before = await show();
    const r = await cli('consumer', 'update', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(await show()).toEqual(before);
  });
});
