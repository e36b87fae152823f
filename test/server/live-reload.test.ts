import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../registry/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type LoopbackUpstream } from '../helpers/loopback-upstream.js';

describe('live reload', () => {
  let gw: TestGateway;
  let upstream: LoopbackUpstream;
  let writer: Registry;

  beforeAll(async () => {
    gw = await startTestGateway();
    upstream = await startUpstream('a');
    // A second connection, as the CLI in another process would have.
    writer = Registry.open(gw.dbPath);
  });
  afterAll(async () => {
    writer.close();
    await gw.stop();
    await upstream.close();
  });

  it('serves a route added by another connection, then 404s with NR once it is removed', async () => {
    const before = await fetch(`${gw.url}/live/x`);
    expect(before.status).toBe(404);
    expect((await before.json()).error.code).toBe('GW_ERR_NO_ROUTE');

    writer.routes.create({ name: 'live', path: '/live', upstream: upstream.url }, 'cli');
    const served = await waitFor(async () => {
      const r = await fetch(`${gw.url}/live/x?q=1`);
      return r.status === 200 ? r : undefined;
    }, 'the new route');
    expect(await served.json()).toEqual({ upstream: 'a', method: 'GET', url: '/live/x?q=1' });

    writer.routes.remove('live', 'cli');
    const gone = await waitFor(async () => {
      const r = await fetch(`${gw.url}/live/x`);
      return r.status === 404 ? r : undefined;
    }, 'the route to disappear');
    expect((await gone.json()).error.code).toBe('GW_ERR_NO_ROUTE');
    const access = gw.logs.filter((l) => l.msg === 'access' && l.status === 404).at(-1);
    expect(access).toMatchObject({ flag: 'NR', code: 'GW_ERR_NO_ROUTE', path: '/live/x' });
  });
});
